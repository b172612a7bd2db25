// Run settings: the run's limits in human units (MiB, seconds, KiB), raised up to the
// operator's maxima, defaults from the language. Kept with the workspace; sent with each run.
import { useEffect, useRef, useState } from 'react';
import {
  changedLimits,
  LIMIT_FIELDS,
  parseForm,
  toFormValue,
  type LimitKey,
  type LimitOverrides,
  type Limits,
} from '../state/limits';

type Texts = Partial<Record<LimitKey, string>>;

const textsOf = (values: Partial<Limits>): Texts =>
  Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, toFormValue(f, values[f.key])]));

export function RunSettings({
  defaults,
  max,
  value,
  onSave,
  onClose,
}: {
  /** The language's default limits. */
  defaults: Partial<Limits>;
  /** The operator's maxima for this kind of run, when the server says. */
  max?: Partial<Limits>;
  value?: LimitOverrides;
  onSave: (limits: LimitOverrides | undefined) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [texts, setTexts] = useState<Texts>(() => textsOf({ ...defaults, ...value }));
  const [errors, setErrors] = useState<Partial<Record<LimitKey, string>>>({});
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => back?.focus();
  }, []);
  const save = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = parseForm(texts, max);
    setErrors(parsed.errors);
    if (Object.keys(parsed.errors).length > 0) return;
    const changed = changedLimits(parsed.limits, defaults);
    onSave(Object.keys(changed).length > 0 ? changed : undefined);
    dialog.current?.close();
  };
  const messages = Object.values(errors);
  return (
    <dialog ref={dialog} className="modal run-settings" aria-labelledby="run-settings-title" onClose={onClose}>
      <h2 id="run-settings-title">Run settings</h2>
      <p className="dialog-text">Limits for runs of this code. Empty means the language’s default.</p>
      <form className="auth-form" onSubmit={save} noValidate>
        <div className="limit-fields">
          {LIMIT_FIELDS.map((f) => {
            const id = `limit-${f.key}`;
            const ceiling = max?.[f.key];
            const hint = `default ${toFormValue(f, defaults[f.key]) || '–'}${ceiling !== undefined ? `, at most ${toFormValue(f, ceiling)}` : ''}`;
            return (
              <div className="field" key={f.key}>
                <label htmlFor={id}>
                  {f.label} ({f.unit})
                </label>
                <input
                  id={id}
                  type="number"
                  inputMode="decimal"
                  min={f.step}
                  step={f.step}
                  max={ceiling !== undefined ? toFormValue(f, ceiling) : undefined}
                  placeholder={toFormValue(f, defaults[f.key])}
                  value={texts[f.key] ?? ''}
                  aria-invalid={errors[f.key] ? true : undefined}
                  aria-describedby={`${id}-hint`}
                  onChange={(e) => setTexts({ ...texts, [f.key]: e.target.value })}
                />
                <span id={`${id}-hint`} className="field-hint">
                  {hint}
                </span>
              </div>
            );
          })}
        </div>
        {messages.length > 0 && (
          <div className="form-alert" role="alert">
            {messages.map((m) => (
              <div key={m}>{m}</div>
            ))}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => {
            setTexts(textsOf(defaults));
            setErrors({});
          }}>
            Reset
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}
