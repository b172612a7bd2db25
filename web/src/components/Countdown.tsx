// The time an interactive run has left, shown only near a limit: one timer while it runs.
import { useEffect, useState, type RefObject } from 'react';
import { countdownText } from '../state/limits';

export function Countdown({
  runningSince,
  wallMs,
  idleMs,
  lastActivity,
}: {
  runningSince: number;
  wallMs?: number;
  idleMs?: number;
  /** When input or output last happened (updated without a render). */
  lastActivity: RefObject<number>;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const text = countdownText({ now, runningSince, wallMs, idleMs, lastActivity: lastActivity.current });
  if (!text) return null;
  return (
    <span className="countdown" role="timer" aria-label="Time left" data-testid="countdown">
      {text}
    </span>
  );
}
