// A broker's or hospital's host, for naming it in words ("127.0.0.1:41234", "broker.example.org").

/** The host (and port, when one is given) of an address typed with or without a scheme; "" for nothing. */
export function hostOf(address: string): string {
  const trimmed = address.trim();
  if (!trimmed) return "";
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    return new URL(withScheme).host;
  } catch {
    // Not a URL: the part before the first slash is the best name there is.
    return trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[/?#]/)[0];
  }
}
