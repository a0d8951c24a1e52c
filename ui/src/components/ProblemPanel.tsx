import type { ComponentChildren } from 'preact';

import { sentence, type Problem } from '../lib/errors';

/** A failure as a state with an action: what happened, what to do, the commands. */
export function ProblemPanel({ problem, compact = false }: { problem: Problem; compact?: boolean }) {
  return (
    <section
      class={`problem problem-${problem.kind}${compact ? ' compact' : ''}`}
      role={problem.retrying ? 'status' : 'alert'}
      aria-labelledby="problem-title"
      data-problem={problem.kind}
    >
      <h2 id="problem-title">
        {problem.retrying && <span class="spinner" aria-hidden="true" />}
        {problem.title}
      </h2>
      <p class="problem-message">{sentence(problem.message)}</p>
      {!compact && <p class="problem-action">{problem.action}</p>}
      {!compact && problem.commands.length > 0 && (
        <ul class="commands" aria-label="Commands to run">
          {problem.commands.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A small coloured word: a pin state, `ours`, `VPN`. */
export function Badge({
  tone,
  title,
  children,
}: {
  tone: 'ok' | 'info' | 'warn' | 'bad' | 'muted' | 'vpn';
  title?: string;
  children: ComponentChildren;
}) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}
