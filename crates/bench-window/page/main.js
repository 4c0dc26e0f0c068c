// Tells the Rust side the first screen is drawn: after the frame following the first render (the same way
// Tessera's window reports its first screen), so the two startup times are measured alike.
requestAnimationFrame(() => {
  setTimeout(() => {
    window.__TAURI_INTERNALS__.invoke("first_screen").catch(() => {});
  }, 0);
});
