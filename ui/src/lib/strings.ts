// Every word the window shows, in one place so a translation can replace this module alone. Plain words, no
// scope strings, no addresses where a name exists, dates in words.

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

export const strings = {
  app: {
    name: "Tessera",
    skipToContent: "Skip to the page",
    opening: "Opening your wallet…",
    openFailed: "Tessera could not open your wallet.",
    tryAgain: "Try again",
    stateEmpty: "Empty",
    stateReady: "Ready",
    stateLocked: "Locked",
    counts: (c: { brokers: number; people: number; tickets: number; hospitals: number }) =>
      [
        plural(c.brokers, "broker", "brokers"),
        plural(c.people, "person", "people"),
        plural(c.tickets, "ticket", "tickets"),
        plural(c.hospitals, "hospital", "hospitals"),
      ].join(" · "),
  },

  nav: {
    label: "Main",
    people: "People",
    hospitals: "Hospitals",
    tickets: "Tickets",
  },

  errors: {
    code: (code: string) => `Code: ${code}`,
    hints: {
      "broker.unreachable": "Check the address for typing mistakes, and that this computer is online.",
      "broker.invalid": "The address may point to something that is not a trust broker.",
      "broker.denied": "On the broker's page, choose Approve to give Tessera the permission.",
      "signin.state_mismatch": "This can happen when an old sign-in page is used. Start again from here.",
      "signin.issuer_mismatch": "For your safety Tessera stopped. If this happens again, do not continue.",
      "signin.timeout": "Sign-in pages wait about ten minutes. Start again when you are ready.",
      "ticket.signature_invalid": "A permission that cannot be checked is never kept.",
      "ticket.malformed": "Nothing from this sign-in was kept.",
      "ticket.unknown_key": "Nothing from this sign-in was kept.",
      "vault.locked": "Your computer's keychain keeps Tessera's keys. Unlock it, then try again.",
      "vault.unavailable": "Your computer's keychain keeps Tessera's keys. It needs to be running.",
      "input.invalid": "A trust broker's address looks like broker.example.org.",
    } as Record<string, string>,
  },

  welcome: {
    title: "Tessera",
    intro:
      "Tessera keeps the permission to see a relative's health records, shows it at every hospital, and brings their records together in one place.",
    intro2: "You can see and end every permission at any time.",
    signInHeading: "Sign in with your trust broker",
    signInExplain: "Your trust broker is the service that holds the permissions you were given.",
    addressLabel: "Your trust broker's address",
    addressHint: "For example broker.example.org",
    addressMissing: "Type your trust broker's address first.",
    usedBefore: "Used before",
    signInWith: (host: string) => `Sign in with ${host}`,
    signIn: "Sign in",
    demoHeading: "Just looking?",
    demoButton: "Try the demo network",
    demoStarting: "Starting the demo network…",
    demoExplain: "It runs pretend hospitals on this computer, with made-up people. Nothing real is shared.",
    errorHeading: "Sign-in did not finish",
  },

  signin: {
    heading: "Finish signing in in your browser",
    opened: "Tessera opened the sign-in page of",
    openedEnd: "in your browser.",
    next: "Approve there, and this window carries on by itself.",
    waiting: "Waiting for your browser…",
    cancel: "Cancel",
    cancelling: "Cancelling…",
  },

  people: {
    heading: "People",
    intro: "Whose records you can see.",
    loading: "Finding the people you can act for…",
    loadFailed: "Tessera could not list the people.",
    emptyHeading: "No one here yet",
    empty:
      "People appear here after you sign in with a trust broker that holds a permission for them, such as a power of attorney for a parent.",
    emptySignIn: "Sign in with a trust broker",
    born: (date: string) => `Born ${date}`,
    ownRecords: "Your own records",
    actsAs: (authority: string) => `You act as their ${authority}`,
    hospitals: (n: number) => plural(n, "hospital", "hospitals"),
    connected: (connected: number, hospitals: number) =>
      `${connected} of ${plural(hospitals, "hospital", "hospitals")} connected`,
    accessUntil: (date: string) => `Access until ${date}`,
    accessOpen: "Access until you end it",
  },

  person: {
    back: "← People",
    backLabel: "Back to People",
    refresh: "Refresh",
    refreshing: "Reading again…",
    reading: (first: string, hospitals: number) =>
      `Reading ${first}'s records from ${plural(hospitals, "hospital", "hospitals")}…`,
    readingUnknown: (first: string) => `Reading ${first}'s records…`,
    hospitalsHeading: "Hospitals",
    summary: (read: number, total: number) => `${read} of ${plural(total, "hospital", "hospitals")} read`,
    loadFailed: (first: string) => `Tessera could not read ${first}'s records.`,
    missingLine: (n: number) =>
      n === 1 ? "One thing may be missing from this record." : `${n} things may be missing from this record.`,
    recordHeading: "Record",
  },

  updated: {
    justNow: "updated just now",
    minutes: (n: number) => `updated ${plural(n, "minute", "minutes")} ago`,
    hours: (n: number) => `updated ${plural(n, "hour", "hours")} ago`,
    on: (date: string) => `updated on ${date}`,
  },

  lines: {
    discovering: "Looking it up…",
    registering: "Introducing Tessera…",
    exchanging: "Showing the permission…",
    reading: (n: number) => (n > 0 ? `Reading records (${n})…` : "Reading records…"),
    done: (n: number) => `Done — ${plural(n, "record", "records")}`,
    failed: "Could not connect",
    unsupported: "Does not accept permission tickets yet",
    noRecords: (first: string) => `No records for ${first} here`,
    needsConfirmation: "Needs you to confirm who the patient is, once",
    confirm: (first: string, hospital: string) => `Confirm who ${first} is at ${hospital}`,
    confirming: "Finish in your browser…",
    confirmingNote: "The hospital's page opened in your browser. This line updates by itself when you finish.",
    retry: "Retry",
    retryLabel: (hospital: string) => `Retry ${hospital}`,
    showSettled: (n: number) => `Show the ${plural(n, "hospital", "hospitals")} already read`,
  },

  record: {
    tablist: "Kinds of records",
    tabs: {
      all: "All",
      problem: "Problems",
      medication: "Medications",
      allergy: "Allergies",
      result: "Results",
      immunization: "Immunizations",
      visit: "Visits",
      document: "Documents",
      procedure: "Procedures",
    },
    kinds: {
      problem: "Problem",
      medication: "Medication",
      allergy: "Allergy",
      result: "Result",
      immunization: "Immunization",
      visit: "Visit",
      document: "Document",
      procedure: "Procedure",
    },
    noneOfKind: "Nothing of this kind in the record",
    showAll: "Show all records",
    search: "Search the record",
    hospital: "Hospital",
    allHospitals: "All hospitals",
    since: "Since",
    filters: "Narrow the record",
    emptyHeading: "No records yet",
    empty: "When a hospital sends records, they appear here.",
    noMatch: "No items match your search",
    clearFilters: "Show everything again",
    reportedBy: "Reported by",
    noDate: "Date not given",
    undated: "No date given",
    trendsHeading: "Trends",
    trendLabel: (t: { title: string; count: number; min: string; max: string; latest: string; on: string }) =>
      `${t.title}: ${t.count} results from ${t.min} to ${t.max}, latest ${t.latest}${t.on ? ` on ${t.on}` : ""}`,
    latestLine: (value: string, on: string | null) => (on ? `Latest ${value}, on ${on}` : `Latest ${value}`),
    rangeLine: (min: string, max: string) => `Range ${min} to ${max}`,
    timeline: "Visits by year",
    shown: (n: number) => plural(n, "item", "items") + " shown",
    export: "Save what is shown…",
    exporting: "Saving…",
    exported: (n: number, file: string) => `Saved ${plural(n, "record", "records")} to ${file}`,
  },

  tickets: {
    heading: "Tickets",
    intro: "The permissions Tessera holds, as your trust broker gave them.",
    loading: "Reading your tickets…",
    loadFailed: "Tessera could not list the tickets.",
    emptyHeading: "No tickets yet",
    empty: "Tickets arrive when you sign in with a trust broker.",
    from: (issuer: string) => `From ${issuer}`,
    access: "What it allows",
    details: "Details",
    active: "Active",
    expired: "Expired",
  },

  hospitals: {
    heading: "Hospitals",
    intro: "The hospitals Tessera can show your permissions at.",
    loading: "Reading the hospital list…",
    loadFailed: "Tessera could not list the hospitals.",
    emptyHeading: "No hospitals yet",
    empty: "Hospitals are added when you sign in, or you can add one below.",
    status: {
      connected: "Connected",
      failed: "Could not connect last time",
      unsupported: "Does not accept permission tickets yet",
      no_records: "Has no records for the people here",
      needs_confirmation: "Needs you to confirm a patient",
      none: "Not contacted yet",
    },
    lastContact: (date: string) => `Last reached ${date}`,
    neverReached: "Not reached yet",
    people: (names: string[]) => (names.length === 0 ? "No one's permission points here" : `For ${names.join(", ")}`),
    remove: "Remove",
    removeLabel: (name: string) => `Remove ${name}`,
    removeConfirm: (name: string) => `Remove ${name} from the list? Records already read stay where they are.`,
    removeYes: "Yes, remove it",
    removeNo: "Keep it",
    removing: "Removing…",
    removed: (name: string) => `${name} was removed.`,
    addHeading: "Add a hospital",
    addLabel: "Hospital address",
    addHint: "The address the hospital gives for apps, often ending in /fhir or /r4.",
    addButton: "Add hospital",
    adding: "Checking the hospital…",
    addMissing: "Type the hospital's address first.",
    added: (name: string) => `Added ${name}.`,
    importHeading: "Import a hospital list",
    importExplain: "A hospital list (a SMART brands file) adds many hospitals at once.",
    importLabel: "Address of the list",
    importButton: "Import list",
    importFile: "Choose a file…",
    importing: "Importing…",
    importMissing: "Type the list's address first, or choose a file.",
    imported: (names: string[]) =>
      names.length === 0
        ? "The list had no new hospitals."
        : names.length <= 3
          ? `Added ${names.join(", ")}.`
          : `Added ${names.length} hospitals.`,
  },
};

export type Strings = typeof strings;
