/** The overview endpoint (`GET /overview`): every number of a project's landing page in one answer. */

import { query, request } from '../../api/client';
import type { components } from '../../api/schema';
import type { TimeRange } from '../../components/charts/timeRange';

type Schemas = components['schemas'];
export type Overview = Schemas['Overview'];
export type Cards = Schemas['Cards'];

export function getOverview(projectId: string, range: TimeRange, signal?: AbortSignal): Promise<Overview> {
  const search = query({
    project_id: projectId,
    start: range.since.toISOString(),
    end: range.until.toISOString(),
    recent: 10,
  });
  return request<Overview>('GET', `/overview${search}`, { signal });
}
