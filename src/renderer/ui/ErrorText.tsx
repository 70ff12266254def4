import { describeError } from '../lib/errors.js';

/** A failure in plain words, announced to screen readers as it appears. */
export function ErrorText({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="error-text" role="alert">
      {describeError(error)}
    </p>
  );
}
