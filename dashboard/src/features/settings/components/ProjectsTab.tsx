import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { ProjectCreated, ProjectSummary } from '../../../api/types';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { settingsHref, tracesHref } from '../../../lib/routes';
import { useMe } from '../../auth/hooks/useMe';
import { CreateProjectForm } from '../../projects/components/CreateProjectForm';
import { KeyCreatedDialog } from '../../projects/components/KeyCreatedDialog';
import { useOptionalProject } from '../../projects/hooks/useCurrentProject';
import { useDeleteProject, useRefreshProjects } from '../../projects/hooks/useProjectMutations';
import { useProjectList } from '../hooks/useSettingsData';
import { ProjectRow } from './ProjectRow';

/** Create, rename and delete projects. */
export function ProjectsTab() {
  const me = useMe();
  const current = useOptionalProject();
  const navigate = useNavigate();
  const projects = useProjectList();
  const [created, setCreated] = useState<ProjectCreated | null>(null);
  const [deleting, setDeleting] = useState<ProjectSummary | null>(null);
  const remove = useDeleteProject();
  const refreshProjects = useRefreshProjects();
  const isInstanceAdmin = me.data?.user.is_admin ?? false;
  const roleIn = (p: ProjectSummary) => (isInstanceAdmin ? 'owner' : p.role);

  const confirmDelete = () => {
    if (!deleting) return;
    const target = deleting;
    remove.mutate(target.id, {
      onSuccess: (answer) => {
        const notice = `Project ${target.name} deleted: ${answer.data}.`;
        const rest = (projects.data?.items ?? []).filter((p) => p.id !== target.id);
        setDeleting(null);
        const stayIn = current && current.project.id !== target.id ? current.project.id : (rest[0]?.id ?? null);
        navigate(settingsHref(stayIn, 'projects'), { replace: true, state: { notice } });
        void refreshProjects();
      },
    });
  };

  let list;
  if (projects.isPending) list = <LoadingState label="Loading projects…" />;
  else if (projects.isError)
    list = <ErrorState title="Could not load projects" message={projects.error.message} onRetry={() => projects.refetch()} />;
  else if (projects.data.items.length === 0)
    list = (
      <EmptyState title="No projects" testId="projects-empty">
        Create your first project above; its ingest key is shown right after.
      </EmptyState>
    );
  else
    list = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="projects-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Your role</th>
              <th>Created</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {projects.data.items.map((p) => (
              <ProjectRow
                key={p.id}
                project={p}
                role={roleIn(p)}
                isCurrent={p.id === current?.project.id}
                onDelete={() => {
                  remove.reset();
                  setDeleting(p);
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">Create a project</h2>
        <p className="muted panel-text">
          Each project has its own traces, keys and members. You become its owner; its first ingest key is shown once.
        </p>
        <CreateProjectForm onCreated={setCreated} />
      </section>
      <section className="panel">
        <h2 className="panel-title">Your projects</h2>
        {list}
      </section>
      <KeyCreatedDialog
        apiKey={created?.api_key ?? null}
        title={`Project ${created?.project.name ?? ''} created`}
        projectName={created?.project.name ?? ''}
        onClose={() => setCreated(null)}
        action={
          created
            ? {
                label: 'Open the project',
                onClick: () => {
                  const id = created.project.id;
                  setCreated(null);
                  navigate(tracesHref(id));
                },
              }
            : undefined
        }
      />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete project ${deleting?.name ?? ''}?`}
        confirmLabel="Delete project"
        danger
        requireText={deleting?.name}
        busy={remove.isPending}
        error={remove.error?.message}
        onConfirm={confirmDelete}
        onClose={() => setDeleting(null)}
        testId="delete-project-dialog"
      >
        <p>
          Its API keys stop working, its members lose access, and its spans, alerts and costs are deleted in the
          background. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
