import { useEffect, useRef, useState } from 'react';

export function ShareDialog({ url, onClose }: { url: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard permission: the link is selected for the user to copy.
      const field = dialog.current?.querySelector('input');
      field?.select();
    }
  };
  return (
    <dialog ref={dialog} className="share" aria-label="Share" onClose={onClose}>
      <h2>Share this code</h2>
      <p>Anyone with the link can open, run and fork it.</p>
      <input aria-label="Share link" readOnly value={url} onFocus={(e) => e.target.select()} />
      <div className="dialog-actions">
        <button className="primary" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy link'}
        </button>
        <button onClick={() => dialog.current?.close()}>Close</button>
      </div>
    </dialog>
  );
}
