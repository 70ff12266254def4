/** Shown in a browser that opened the host without its launch link: nothing can connect. */
export function MissingToken() {
  return (
    <main className="center-page">
      <section className="card narrow">
        <h1>Open Aegees from its own link</h1>
        <p>This page needs the address that Aegees printed when it started. That address ends in <code>#token=</code> followed by a secret made for this launch.</p>
        <p>Copy the whole address from the terminal where you started Aegees and open it here. If you restarted Aegees, use the new address: the old one no longer works.</p>
      </section>
    </main>
  );
}
