// Presence and typing: ephemeral, never stored.
#include "server/api/presence_hub.h"
#include "server/api/request.h"

namespace parley::server {
namespace {

constexpr int kMaxPresenceUsers = 500;
constexpr uint32_t kTypingExpiresMs = 6000;

}  // namespace

void handle_set_presence(const Request& r, const Identity& me, const v1::SetPresenceRequest& req) {
  if (req.state() != v1::ONLINE && req.state() != v1::AWAY) {
    return r.error(v1::INVALID_ARGUMENT, "state must be ONLINE or AWAY (a device is OFFLINE by disconnecting)");
  }
  r.services->presence.set_state(me.user_id, r.conn->id(), req.state());
  v1::ServerFrame out;
  out.mutable_set_presence();
  r.ok(std::move(out));
}

void handle_subscribe_presence(const Request& r, const Identity& me, const v1::SubscribePresenceRequest& req) {
  if (req.user_ids().empty() || req.user_ids_size() > kMaxPresenceUsers) {
    return r.error(v1::INVALID_ARGUMENT, "user_ids must hold 1 to 500 user ids");
  }
  for (const auto& id : req.user_ids()) {
    if (!check_user_id(r, id, "user_ids")) return;
  }
  r.on_worker([r, me, req] {
    auto& store = r.services->store;
    auto& hub = r.services->presence;
    v1::ServerFrame out;
    auto* o = out.mutable_subscribe_presence();
    std::weak_ptr<Peer> peer = r.conn;
    for (const auto& target : req.user_ids()) {
      auto allowed = store.may_see_presence(me.user_id, target);
      if (!allowed) return r.error(allowed.error());
      // Users who do not share their presence with me are left out, exactly like unknown ones.
      if (!*allowed) continue;
      if (!hub.subscribe(r.conn->id(), me.user_id, peer, target)) {
        return r.error(v1::TOO_LARGE, "at most 1000 presence subscriptions per connection (or the connection closed)");
      }
      v1::Presence p = hub.get(target);
      if (p.last_seen_ms() == 0) {
        // Not seen since this server started: the newest session activity stands in for it.
        if (auto sessions = store.list_sessions(target)) {
          for (const auto& s : *sessions) p.set_last_seen_ms(std::max(p.last_seen_ms(), s.last_seen_ms));
        }
      }
      *o->add_presences() = std::move(p);
    }
    r.ok(std::move(out));
  });
}

void handle_unsubscribe_presence(const Request& r, const Identity& me, const v1::UnsubscribePresenceRequest& req) {
  for (const auto& target : req.user_ids()) r.services->presence.unsubscribe(r.conn->id(), target);
  v1::ServerFrame out;
  out.mutable_unsubscribe_presence();
  r.ok(std::move(out));
}

void handle_typing(const Request& r, const Identity& me, const v1::TypingRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  v1::ServerFrame out;
  out.mutable_typing();
  // "Started typing" is rate-limited per conversation (stops always pass): extra ones are accepted and dropped.
  if (req.typing() && !r.services->presence.allow_typing(r.conn->id(), req.conversation_id())) {
    return r.ok(std::move(out));
  }
  r.on_worker([r, me, req, out = std::move(out)]() mutable {
    auto recipients = r.services->store.typing_recipients(req.conversation_id(), me.user_id,
                                                          r.services->config.typing_max_group_members);
    if (!recipients) return r.error(recipients.error());
    v1::ServerFrame event;
    auto* e = event.mutable_event()->mutable_typing();
    e->set_conversation_id(req.conversation_id());
    e->set_user_id(me.user_id);
    e->set_typing(req.typing());
    e->set_expires_in_ms(req.typing() ? kTypingExpiresMs : 0);
    if (!recipients->empty()) publish(r, *recipients, std::move(event));
    r.ok(std::move(out));
  });
}

// After a change that can hide my presence from someone (privacy, block, unfriend), subscriptions to me
// are checked again and dropped where no longer allowed.
void recheck_presence_subscribers(const Request& r, const std::string& target) {
  auto subscribers = r.services->presence.subscribers_of(target);
  if (subscribers.empty()) return;
  (void)r.services->workers.submit([services = r.services, target, subscribers = std::move(subscribers)] {
    for (const auto& viewer : subscribers) {
      auto allowed = services->store.may_see_presence(viewer, target);
      if (allowed && !*allowed) services->presence.drop(target, viewer);
    }
  });
}

}  // namespace parley::server
