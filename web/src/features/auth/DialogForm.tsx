// The pieces the account dialogs' forms are made of: the username and password fields, and a
// form that checks what was typed before sending it, with the error alert and the Cancel and
// submit buttons under its fields; and a dialog holding just such a form.
import { useState, type FormHTMLAttributes, type InputHTMLAttributes, type ReactNode } from 'react';
import { Field, FormError, Modal, useSubmit } from './Modal';

/** What `useSubmit` gives: the submission a form shows and starts. */
export type Submission = ReturnType<typeof useSubmit>;

type FieldProps = { label?: string; hint?: string; onValue: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'onChange'
>;

export function UsernameField({ onValue, ...input }: Omit<FieldProps, 'label'>) {
  return (
    <Field
      label="Username"
      name="username"
      autoComplete="username"
      autoCapitalize="none"
      spellCheck={false}
      {...input}
      onChange={(e) => onValue(e.target.value)}
    />
  );
}

export function PasswordField({ label = 'Password', name = 'password', onValue, ...input }: FieldProps) {
  return <Field label={label} name={name} type="password" {...input} onChange={(e) => onValue(e.target.value)} />;
}

/**
 * A dialog's form: on submit, `check` first (a problem is shown and nothing is sent), then
 * `action` through `submission` (busy while it runs, its error shown). Under the fields: the
 * error, Cancel (`onCancel`) and the submit button (`submitLabel`).
 */
export function DialogForm({
  submission,
  check,
  action,
  submitLabel,
  onCancel,
  children,
  ...form
}: {
  submission: Submission;
  check: () => string | undefined;
  action: () => Promise<void>;
  submitLabel: string;
  onCancel: () => void;
  children: ReactNode;
} & Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'children'>) {
  return (
    <form
      className="auth-form"
      noValidate
      {...form}
      onSubmit={(event) => {
        event.preventDefault();
        const problem = check();
        if (problem) {
          submission.setError(problem);
          return;
        }
        void submission.submit(action);
      }}
    >
      {children}
      <FormError error={submission.error} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={submission.busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/**
 * A dialog that is one form (see `DialogForm`); `action` gets the dialog's close. Where `done`
 * is given, the action ending well shows it (with a Done button) in place of the form.
 */
export function FormDialog({
  title,
  onClose,
  submitLabel,
  check,
  action,
  done,
  children,
}: {
  title: string;
  onClose: () => void;
  submitLabel: string;
  check: () => string | undefined;
  action: (close: () => void) => Promise<void>;
  done?: string;
  children: ReactNode;
}) {
  const submission = useSubmit();
  const [finished, setFinished] = useState(false);
  return (
    <Modal title={title} onClose={onClose} className="auth">
      {(close) =>
        finished ? (
          <>
            <p className="dialog-text" role="status">
              {done}
            </p>
            <div className="dialog-actions">
              <button className="primary" onClick={close} autoFocus>
                Done
              </button>
            </div>
          </>
        ) : (
          <DialogForm
            submission={submission}
            check={check}
            action={async () => {
              await action(close);
              if (done) setFinished(true);
            }}
            submitLabel={submitLabel}
            onCancel={close}
          >
            {children}
          </DialogForm>
        )
      }
    </Modal>
  );
}
