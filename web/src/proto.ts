// The wire types, generated from proto/parley/v1 at build time (npm run gen), in their JSON mapping.
export type { ClientFrame, ServerFrame } from './gen/parley/v1/envelope';
export type {
  Message,
  ConversationSummary,
  ConversationSettings,
  GroupInfo,
  User,
  Reaction,
  MessageRef,
  Error as WireError,
} from './gen/parley/v1/common';
export type { SessionInfo } from './gen/parley/v1/client';
export type { Event, TypingEvent, FriendEvent } from './gen/parley/v1/events';
export type { Member, JoinRequest } from './gen/parley/v1/groups';
export type { Friend, FriendRequest, Presence } from './gen/parley/v1/social';
export type { SearchHit } from './gen/parley/v1/search';
