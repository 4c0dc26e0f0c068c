//! A desktop notification service for the end-to-end tests: it owns `org.freedesktop.Notifications` on the test's
//! session bus (the one the app under test uses) and records every notification sent to it, the way a desktop's
//! notification daemon would receive them. Stopped when dropped.

use dbus::blocking::Connection;
use dbus::channel::MatchingReceiver;
use dbus::message::MatchRule;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One notification received: its title (summary) and text (body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The title.
    pub summary: String,
    /// The text.
    pub body: String,
}

/// The running service.
pub struct NotificationService {
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NotificationService {
    /// Takes the notification service's name on the session bus and starts answering.
    pub fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = {
            let (received, stop) = (received.clone(), stop.clone());
            std::thread::spawn(move || serve(&received, &stop, ready_tx))
        };
        ready_rx.recv_timeout(Duration::from_secs(10)).expect("the notification service started").unwrap();
        Self { received, stop, thread: Some(thread) }
    }

    /// Every notification received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for NotificationService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(received: &Arc<Mutex<Vec<Received>>>, stop: &AtomicBool, ready: std::sync::mpsc::Sender<Result<(), String>>) {
    let connection = match Connection::new_session() {
        Ok(connection) => connection,
        Err(error) => return ready.send(Err(error.to_string())).unwrap_or(()),
    };
    if let Err(error) = connection.request_name("org.freedesktop.Notifications", false, true, true) {
        return ready.send(Err(error.to_string())).unwrap_or(());
    }
    let sink = received.clone();
    let mut next_id: u32 = 0;
    connection.start_receive(
        MatchRule::new_method_call(),
        Box::new(move |call, connection| {
            use dbus::channel::Sender;
            let reply = match call.member().as_deref() {
                Some("Notify") => {
                    if let Ok((_app, _replaces, _icon, summary, body)) =
                        call.read5::<String, u32, String, String, String>()
                    {
                        sink.lock().unwrap().push(Received { summary, body });
                    }
                    next_id = next_id.wrapping_add(1);
                    call.method_return().append1(next_id)
                }
                Some("GetCapabilities") => call.method_return().append1(vec!["body".to_string()]),
                Some("GetServerInformation") => {
                    call.method_return().append3("tessera-test", "tessera", "1").append1("1.2")
                }
                _ => call.method_return(),
            };
            let _ = connection.send(reply);
            true
        }),
    );
    let _ = ready.send(Ok(()));
    while !stop.load(Ordering::SeqCst) {
        let _ = connection.process(Duration::from_millis(100));
    }
}
