/** Notification channels, their delivery log and test sends (`/notifications/...`) of one project. */

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { query, request } from '../../../api/client';
import type { components } from '../../../api/schema';

type Schemas = components['schemas'];
export type Channel = Schemas['ChannelOut'];
export type ChannelCreated = Schemas['ChannelCreated'];
export type ChannelIn = Schemas['ChannelIn'];
export type ChannelPatch = Schemas['ChannelPatch'];
export type Delivery = Schemas['DeliveryOut'];

export const DELIVERY_REFRESH_MS = 5000;

const keys = {
  all: (projectId: string) => ['notifications', projectId] as const,
  channels: (projectId: string) => ['notifications', projectId, 'channels'] as const,
  deliveries: (projectId: string) => ['notifications', projectId, 'deliveries'] as const,
};

const scoped = (projectId: string) => query({ project_id: projectId });

export function useChannels(projectId: string) {
  return useQuery({
    queryKey: keys.channels(projectId),
    queryFn: ({ signal }) => request<Schemas['ChannelList']>('GET', `/notifications/channels${scoped(projectId)}`, { signal }),
  });
}

export function useDeliveries(projectId: string) {
  return useQuery({
    queryKey: keys.deliveries(projectId),
    queryFn: ({ signal }) =>
      request<Schemas['DeliveryList']>('GET', `/notifications/deliveries${query({ project_id: projectId, limit: 50 })}`, { signal }),
    refetchInterval: DELIVERY_REFRESH_MS,
  });
}

export function useChannelMutations(projectId: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: keys.all(projectId) });
  const path = (id: string) => `/notifications/channels/${encodeURIComponent(id)}`;
  return {
    create: useMutation({
      mutationFn: (body: ChannelIn) =>
        request<ChannelCreated>('POST', `/notifications/channels${scoped(projectId)}`, { body }),
      onSuccess: refresh,
    }),
    update: useMutation({
      mutationFn: ({ id, patch }: { id: string; patch: ChannelPatch }) =>
        request<Channel>('PATCH', `${path(id)}${scoped(projectId)}`, { body: patch }),
      onSuccess: refresh,
    }),
    remove: useMutation({
      mutationFn: (id: string) => request<void>('DELETE', `${path(id)}${scoped(projectId)}`),
      onSuccess: refresh,
    }),
    test: useMutation({
      mutationFn: (id: string) => request<Delivery>('POST', `${path(id)}/test${scoped(projectId)}`),
      onSettled: refresh,
    }),
  };
}
