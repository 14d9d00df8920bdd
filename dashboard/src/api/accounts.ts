/** Accounts endpoints (issue 10): auth, the current user, projects, members and API keys. */

import { request } from './client';
import type {
  ApiKey,
  ApiKeyCreated,
  ApiKeyScope,
  AuthStatus,
  Me,
  Member,
  ProjectCreated,
  ProjectDeleted,
  ProjectSummary,
  Role,
  RegisterBody,
  SessionResponse,
  User,
  UserCreate,
  UserPatch,
} from './types';

const enc = encodeURIComponent;

export const getAuthStatus = (signal?: AbortSignal) =>
  request<AuthStatus>('GET', '/auth/status', { signal, redirectOn401: false });

export const login = (email: string, password: string) =>
  request<SessionResponse>('POST', '/auth/login', { body: { email, password }, redirectOn401: false });

export const register = (body: RegisterBody) =>
  request<SessionResponse>('POST', '/auth/register', { body, redirectOn401: false });

export const logout = () => request<void>('POST', '/auth/logout', { redirectOn401: false });

export const logoutEverywhere = () => request<void>('POST', '/auth/logout-all');

export const getMe = (signal?: AbortSignal) => request<Me>('GET', '/auth/me', { signal });

export const changePassword = (currentPassword: string, newPassword: string) =>
  request<void>('POST', '/auth/password', {
    body: { current_password: currentPassword, new_password: newPassword },
    // A wrong current password is the form's business; any other 401 means the session ended.
    redirectOn401: (error) => error.field !== 'current_password' && error.code !== 'invalid_credentials',
  });

export const listProjects = (signal?: AbortSignal) =>
  request<{ items: ProjectSummary[] }>('GET', '/projects', { signal });

export const createProject = (name: string) => request<ProjectCreated>('POST', '/projects', { body: { name } });

export const renameProject = (projectId: string, name: string) =>
  request<ProjectSummary>('PATCH', `/projects/${enc(projectId)}`, { body: { name } });

export const deleteProject = (projectId: string) => request<ProjectDeleted>('DELETE', `/projects/${enc(projectId)}`);

export const listMembers = (projectId: string, signal?: AbortSignal) =>
  request<{ items: Member[] }>('GET', `/projects/${enc(projectId)}/members`, { signal });

export const addMember = (projectId: string, email: string, role: Role) =>
  request<Member>('POST', `/projects/${enc(projectId)}/members`, { body: { email, role } });

export const changeMemberRole = (projectId: string, userId: string, role: Role) =>
  request<Member>('PATCH', `/projects/${enc(projectId)}/members/${enc(userId)}`, { body: { role } });

export const removeMember = (projectId: string, userId: string) =>
  request<void>('DELETE', `/projects/${enc(projectId)}/members/${enc(userId)}`);

export const listKeys = (projectId: string, signal?: AbortSignal) =>
  request<{ items: ApiKey[] }>('GET', `/projects/${enc(projectId)}/keys`, { signal });

export const createKey = (projectId: string, name: string, scope: ApiKeyScope) =>
  request<ApiKeyCreated>('POST', `/projects/${enc(projectId)}/keys`, { body: { name, scope } });

export const revokeKey = (projectId: string, keyId: string) =>
  request<void>('DELETE', `/projects/${enc(projectId)}/keys/${enc(keyId)}`);

export const listUsers = (signal?: AbortSignal) => request<{ items: User[] }>('GET', '/users', { signal });

export const createUser = (body: UserCreate) =>
  request<User>('POST', '/users', { body });

export const updateUser = (userId: string, body: UserPatch) =>
  request<User>('PATCH', `/users/${enc(userId)}`, { body });
