import { type ReactNode, useId } from 'react';
import { FormError } from '../kit/Field';
import { problemText } from './AdminPage';

/** A titled part of a page (a card with its heading). */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card admin__section" aria-labelledby={id}>
      <h2 id={id} className="admin__section-title">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** What a finished change says, announced: the success text, or what went wrong. */
export function Outcome({
  change,
  done,
}: {
  change: { isSuccess: boolean; error: Error | null };
  done: string;
}) {
  const problem = problemText(change.error);
  if (problem) return <FormError>{problem}</FormError>;
  return (
    <p role="status" className="admin__done">
      {change.isSuccess ? done : ''}
    </p>
  );
}
