// The workspace's files as tabs: select, add, rename (double-click), delete, and choose which
// one runs (the entry, marked ▶).
import { useState } from 'react';
import type { SourceFile } from '../api/client';
import { invalidName } from '../state/workspace';

export interface FileTabsProps {
  files: SourceFile[];
  active: string;
  entry: string;
  onSelect: (name: string) => void;
  onChange: (files: SourceFile[], entry: string, active?: string) => void;
}

type Editing = { kind: 'add' } | { kind: 'rename'; from: string };

export function FileTabs({ files, active, entry, onSelect, onChange }: FileTabsProps) {
  const [editing, setEditing] = useState<Editing | undefined>();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();

  const begin = (next: Editing, initial: string) => {
    setEditing(next);
    setName(initial);
    setError(undefined);
  };

  const commit = () => {
    if (!editing) return;
    const except = editing.kind === 'rename' ? editing.from : undefined;
    const problem = invalidName(name, files, except);
    if (problem) {
      setError(problem);
      return;
    }
    if (editing.kind === 'add') {
      onChange([...files, { name, content: '' }], entry, name);
    } else {
      const renamed = files.map((f) => (f.name === editing.from ? { ...f, name } : f));
      onChange(renamed, entry === editing.from ? name : entry, name);
    }
    setEditing(undefined);
  };

  const remove = (target: string) => {
    if (files.length === 1) return;
    const rest = files.filter((f) => f.name !== target);
    const nextEntry = entry === target ? rest[0].name : entry;
    onChange(rest, nextEntry, active === target ? nextEntry : undefined);
  };

  return (
    <div className="tabs-bar">
      <div className="tabs" role="tablist" aria-label="Files">
        {files.map((f) => (
          <div key={f.name} className={`tab${f.name === active ? ' active' : ''}`}>
            <button
              role="tab"
              aria-selected={f.name === active}
              onClick={() => onSelect(f.name)}
              onDoubleClick={() => begin({ kind: 'rename', from: f.name }, f.name)}
              title="Double-click to rename"
            >
              {f.name === entry && (
                <span className="entry-mark" aria-label="entry file">
                  ▶{' '}
                </span>
              )}
              {f.name}
            </button>
            {files.length > 1 && (
              <button className="tab-close" aria-label={`Delete ${f.name}`} onClick={() => remove(f.name)}>
                ×
              </button>
            )}
          </div>
        ))}
        <button className="tab-add" aria-label="Add file" onClick={() => begin({ kind: 'add' }, '')}>
          +
        </button>
      </div>
      <div className="tab-tools">
        {active !== entry && (
          <button className="link" onClick={() => onChange(files, active)}>
            Run this file
          </button>
        )}
        <button className="link" onClick={() => begin({ kind: 'rename', from: active }, active)}>
          Rename
        </button>
      </div>
      {editing && (
        <form
          className="tab-form"
          onSubmit={(e) => {
            e.preventDefault();
            commit();
          }}
        >
          <input
            autoFocus
            aria-label={editing.kind === 'add' ? 'New file name' : 'File name'}
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(undefined)}
          />
          <button type="submit">{editing.kind === 'add' ? 'Add' : 'Rename'}</button>
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
          {error && <span className="form-error" role="alert">{error}</span>}
        </form>
      )}
    </div>
  );
}
