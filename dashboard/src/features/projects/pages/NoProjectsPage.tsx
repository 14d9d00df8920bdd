import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { queryKeys } from '../../../api/queryKeys';
import type { ProjectCreated } from '../../../api/types';
import { overviewHref } from '../../../lib/routes';
import { CreateProjectForm } from '../components/CreateProjectForm';
import { KeyCreatedDialog } from '../components/KeyCreatedDialog';

/** A user without any project: create one (and get its first key), or ask to be added to one. */
export function NoProjectsPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<ProjectCreated | null>(null);

  const openProject = async () => {
    if (!created) return;
    await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    navigate(overviewHref(created.project.id)); // the project's landing page
  };

  return (
    <div className="page page-narrow" data-testid="no-projects-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Welcome to AgentStack</h1>
          <p className="page-subtitle muted">
            You are not a member of any project yet. Create one, or ask a project admin to add you by email.
          </p>
        </div>
      </div>
      <section className="panel">
        <CreateProjectForm onCreated={setCreated} autoFocus refresh={false} />
      </section>
      <KeyCreatedDialog
        apiKey={created?.api_key ?? null}
        title={`Project ${created?.project.name ?? ''} created`}
        projectName={created?.project.name ?? ''}
        onClose={openProject}
      />
    </div>
  );
}
