/** The keychain holds the keys; without it nothing can start, so say what is wrong and what to do. */
export function KeychainProblem({ message, hint, onRetry }: { message: string; hint: string; onRetry: () => void }) {
  return (
    <main className="center-page">
      <section className="card narrow" aria-labelledby="keychain-title">
        <h1 id="keychain-title">Aegees cannot reach your system keychain</h1>
        <p>Aegees keeps your private keys in the keychain of your operating system, so it cannot open your account or create one until the keychain answers.</p>
        <h2>What happened</h2>
        <p>{message}</p>
        <h2>What to do</h2>
        <p>{hint}</p>
        <button type="button" className="primary" onClick={onRetry}>
          Try again
        </button>
      </section>
    </main>
  );
}
