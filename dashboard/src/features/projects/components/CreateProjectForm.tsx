import { useState, type FormEvent } from 'react';
import type { ProjectCreated } from '../../../api/types';
import { useCreateProject } from '../hooks/useProjectMutations';

interface CreateProjectFormProps {
  onCreated: (created: ProjectCreated) => void;
  autoFocus?: boolean;
  /** False: the caller refetches the project list itself (see useCreateProject). */
  refresh?: boolean;
}

/** Name → `POST /projects`; the caller shows the returned key (once). */
export function CreateProjectForm({ onCreated, autoFocus, refresh = true }: CreateProjectFormProps) {
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useCreateProject(refresh);
  const trimmed = name.trim();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!trimmed) return;
    create.mutate(trimmed, {
      onSuccess: (created) => {
        setName('');
        setTouched(false);
        onCreated(created);
      },
    });
  };

  const error = create.error?.message ?? (touched && !trimmed ? 'Enter a name for the project.' : null);
  return (
    <form className="inline-form" onSubmit={submit} data-testid="create-project-form" noValidate>
      <label className="inline-form-field">
        <span className="field-label">New project</span>
        <input
          className="input"
          placeholder="e.g. support-bot"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={100}
          autoFocus={autoFocus}
          data-testid="create-project-name"
        />
      </label>
      <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-project-submit">
        {create.isPending ? 'Creating…' : 'Create project'}
      </button>
      {error ? (
        <div className="field-error inline-form-error" role="alert" data-testid="create-project-error">
          {error}
        </div>
      ) : null}
    </form>
  );
}
