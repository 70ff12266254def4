import { CodeBlock } from '../ui/CodeBlock.js';

/** A new device waiting for an existing one to approve it. */
export function LinkingScreen({ code }: { code: string }) {
  return (
    <main className="center-page">
      <section className="card narrow">
        <h1>Link this device</h1>
        <p>On a device where you already use Aegees, open <strong>Devices</strong>, choose <strong>Link a new device</strong>, and enter this one-time code:</p>
        <CodeBlock label="One-time link code" code={code} />
        <p className="muted" aria-live="polite">
          Waiting for approval… This screen changes by itself once the other device approves.
        </p>
      </section>
    </main>
  );
}
