// Client: owns the client thread and its io_context, and posts every public call to the ClientCore there.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <future>
#include <thread>

#include "sdk/client_impl.h"

namespace parley {

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::kLoggedOut:
      return "logged_out";
    case ConnectionState::kOffline:
      return "offline";
    case ConnectionState::kConnecting:
      return "connecting";
    case ConnectionState::kSyncing:
      return "syncing";
    case ConnectionState::kConnected:
      return "connected";
    case ConnectionState::kKicked:
      return "kicked";
    case ConnectionState::kTokenExpired:
      return "token_expired";
    case ConnectionState::kAuthFailed:
      return "auth_failed";
  }
  return "unknown";
}

const char* to_string(SendState state) {
  switch (state) {
    case SendState::kSending:
      return "sending";
    case SendState::kSent:
      return "sent";
    case SendState::kFailed:
      return "failed";
  }
  return "unknown";
}

ClientResult<std::unique_ptr<Client>> Client::create(ClientOptions options, ClientCallbacks callbacks) {
  if (options.database_path.empty()) {
    return std::unexpected(ClientError{kErrorBadArgument, "ClientOptions::database_path is required"});
  }
  sdk::ServerAddress address;
  std::string url_error;
  if (!sdk::parse_server_url(options.server_url, address, url_error)) {
    return std::unexpected(ClientError{kErrorBadArgument, url_error});
  }
  address.tls_ca_file = options.tls_ca_file;
  if (options.platform.empty() || options.platform == "PLATFORM_UNSPECIFIED" || !parley::v1::Platform_IsValid([&] {
        parley::v1::Platform p = parley::v1::PLATFORM_UNSPECIFIED;
        return parley::v1::Platform_Parse(options.platform, &p) ? static_cast<int>(p) : -1;
      }())) {
    return std::unexpected(ClientError{kErrorBadArgument,
                                       "platform must be one of IOS, ANDROID, WEB, WINDOWS, "
                                       "MACOS, LINUX, BOT; got '" +
                                           options.platform + "'"});
  }
  if (options.heartbeat_min.count() <= 0 || options.request_timeout.count() <= 0 || options.backoff_min.count() <= 0) {
    return std::unexpected(ClientError{kErrorBadArgument, "heartbeat, timeout and backoff durations must be positive"});
  }
  std::unique_ptr<sdk::LocalStore> store;
  try {
    store = sdk::LocalStore::open(options.database_path);
  } catch (const sdk::StorageError& e) {
    return std::unexpected(ClientError{kErrorStorage, e.what()});
  }
  auto impl = std::make_unique<Impl>();
  try {
    impl->core = std::make_unique<sdk::ClientCore>(impl->io, std::move(options), std::move(callbacks), std::move(store),
                                                   std::move(address));
  } catch (const sdk::StorageError& e) {
    return std::unexpected(ClientError{kErrorStorage, e.what()});
  }
  std::promise<std::thread::id> started;
  auto started_id = started.get_future();
  impl->thread = std::thread([io = &impl->io, &started] {
    started.set_value(std::this_thread::get_id());
    io->run();
  });
  impl->thread_id = started_id.get();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  try {
    impl_->post([core = impl_->core.get()] { core->shutdown(); });
    impl_->work.reset();
    if (impl_->thread.joinable()) {
      if (std::this_thread::get_id() == impl_->thread_id) {
        impl_->thread.detach();  // destroyed from its own callback: a contract violation; do not deadlock
      } else {
        impl_->thread.join();
      }
    }
  } catch (...) {
    // Out of memory for the shutdown post, or a failed join: the client thread may still be using what the
    // members are about to free. Stop here rather than later in a use after free.
    std::terminate();
  }
}

void Client::start() {
  impl_->post([core = impl_->core.get()] { core->start(); });
}

void Client::login(std::string user_id, std::string password, Done<SessionSummary> done) {
  impl_->post([core = impl_->core.get(),
               c = sdk::ClientCore::Credentials{std::move(user_id), std::move(password), "", false},
               done = std::move(done)]() mutable { core->login(std::move(c), std::move(done)); });
}

void Client::register_and_login(std::string user_id, std::string password, std::string display_name,
                                Done<SessionSummary> done) {
  impl_->post([core = impl_->core.get(),
               c = sdk::ClientCore::Credentials{std::move(user_id), std::move(password), std::move(display_name), true},
               done = std::move(done)]() mutable { core->login(std::move(c), std::move(done)); });
}

void Client::use_token(std::string token, Done<SessionSummary> done) {
  impl_->post([core = impl_->core.get(), token = std::move(token), done = std::move(done)]() mutable {
    core->use_token(std::move(token), std::move(done));
  });
}

void Client::logout(Done<void> done) {
  impl_->post([core = impl_->core.get(), done = std::move(done)]() mutable { core->logout(std::move(done)); });
}

ConnectionState Client::state() const { return impl_->core->state(); }

std::string Client::user_id() const { return impl_->core->user_id(); }

std::string Client::session_token() const {
  return impl_->call([&] { return impl_->core->session_token(); });
}

void Client::network_changed() {
  impl_->post([core = impl_->core.get()] { core->network_changed(); });
}

ClientResult<std::string> Client::send_text(const std::string& conversation_id, const std::string& text) {
  return impl_->call([&] { return impl_->core->send_text(conversation_id, text); });
}

ClientResult<void> Client::resend(const std::string& client_msg_id) {
  return impl_->call([&] { return impl_->core->resend(client_msg_id); });
}

ClientResult<void> Client::cancel(const std::string& client_msg_id) {
  return impl_->call([&] { return impl_->core->cancel(client_msg_id); });
}

ClientResult<std::vector<ConversationRecord>> Client::conversations() const {
  return impl_->read([&] { return impl_->core->conversations(); });
}

ClientResult<std::vector<MessageRecord>> Client::messages(const std::string& conversation_id, uint64_t before_seq,
                                                          uint32_t limit) const {
  return impl_->read([&] { return impl_->core->messages(conversation_id, before_seq, limit); });
}

ClientResult<std::vector<MessageRecord>> Client::search(const std::string& query, uint32_t limit) const {
  auto found = impl_->read([&] { return impl_->core->search(query, limit); });
  if (!found && found.error().code == kErrorStorage) {
    // Reading cannot fail for lack of space; what fails here is FTS5 refusing the query.
    return std::unexpected(ClientError{kErrorBadArgument, "bad search query: " + found.error().message});
  }
  return found;
}

ClientResult<std::vector<MessageRecord>> Client::unsent(uint32_t limit) const {
  return impl_->read([&] { return impl_->core->unsent(limit); });
}

ClientResult<MessageRecord> Client::find_message(const std::string& client_msg_id) const {
  return impl_->call([&] { return impl_->core->find_message(client_msg_id); });
}

void Client::load_history(std::string conversation_id, uint64_t before_seq, uint32_t limit,
                          Done<std::vector<MessageRecord>> done) {
  impl_->post(
      [core = impl_->core.get(), c = std::move(conversation_id), before_seq, limit, done = std::move(done)]() mutable {
        core->load_history(std::move(c), before_seq, limit, std::move(done));
      });
}

ClientResult<void> Client::mark_read(const std::string& conversation_id, uint64_t seq) {
  return impl_->call([&] { return impl_->core->mark_read(conversation_id, seq); });
}

void Client::create_group(std::string name, std::vector<std::string> member_ids, Done<ConversationRecord> done) {
  impl_->post(
      [core = impl_->core.get(), name = std::move(name), m = std::move(member_ids), done = std::move(done)]() mutable {
        core->create_group(std::move(name), std::move(m), std::move(done));
      });
}

void Client::add_members(std::string conversation_id, std::vector<std::string> user_ids, Done<uint64_t> done) {
  impl_->post(
      [core = impl_->core.get(), c = std::move(conversation_id), u = std::move(user_ids),
       done = std::move(done)]() mutable { core->change_members(true, std::move(c), std::move(u), std::move(done)); });
}

void Client::remove_members(std::string conversation_id, std::vector<std::string> user_ids, Done<uint64_t> done) {
  impl_->post(
      [core = impl_->core.get(), c = std::move(conversation_id), u = std::move(user_ids),
       done = std::move(done)]() mutable { core->change_members(false, std::move(c), std::move(u), std::move(done)); });
}

void Client::edit(std::string conversation_id, uint64_t seq, std::string text, Done<MessageRecord> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), seq, t = std::move(text),
               done = std::move(done)]() mutable { core->edit(std::move(c), seq, std::move(t), std::move(done)); });
}

void Client::revoke(std::string conversation_id, uint64_t seq, Done<MessageRecord> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), seq, done = std::move(done)]() mutable {
    core->revoke(std::move(c), seq, std::move(done));
  });
}

void Client::react(std::string conversation_id, uint64_t seq, std::string emoji, ReactionChange change,
                   Done<MessageRecord> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), seq, e = std::move(emoji), change,
               done = std::move(done)]() mutable {
    core->react(std::move(c), seq, std::move(e), change, std::move(done));
  });
}

void Client::set_typing(std::string conversation_id, bool typing, Done<void> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), typing, done = std::move(done)]() mutable {
    core->set_typing(std::move(c), typing, std::move(done));
  });
}


void Client::post_call(v1::ClientFrame frame, Done<std::string> done) {
  impl_->post([core = impl_->core.get(), f = std::move(frame), done = std::move(done)]() mutable {
    core->call(std::move(f), std::move(done));
  });
}

void Client::send_friend_request(std::string user_id, std::string message, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_send_friend_request()->set_user_id(std::move(user_id));
              f.mutable_send_friend_request()->set_message(std::move(message));
            }),
            std::move(done));
}

void Client::answer_friend_request(std::string user_id, FriendAnswer answer, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              f.mutable_respond_friend_request()->set_user_id(std::move(user_id));
              f.mutable_respond_friend_request()->set_accept(answer == FriendAnswer::kAccept);
            }),
            std::move(done));
}

void Client::remove_friend(std::string user_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) { f.mutable_remove_friend()->set_user_id(std::move(user_id)); }),
            std::move(done));
}

void Client::block_user(std::string user_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) { f.mutable_block_user()->set_user_id(std::move(user_id)); }),
            std::move(done));
}

void Client::unblock_user(std::string user_id, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) { f.mutable_unblock_user()->set_user_id(std::move(user_id)); }),
            std::move(done));
}

void Client::list_friends(Done<std::string> done) {
  post_call(sdk::frame_with([](v1::ClientFrame& f) { f.mutable_list_friends(); }), std::move(done));
}

void Client::list_friend_requests(Done<std::string> done) {
  post_call(sdk::frame_with([](v1::ClientFrame& f) { f.mutable_list_friend_requests(); }), std::move(done));
}

void Client::list_blocked(Done<std::string> done) {
  post_call(sdk::frame_with([](v1::ClientFrame& f) { f.mutable_list_blocked(); }), std::move(done));
}

void Client::subscribe_presence(std::vector<std::string> user_ids, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              for (auto& u : user_ids) f.mutable_subscribe_presence()->add_user_ids(std::move(u));
            }),
            std::move(done));
}

void Client::search_server(std::string query, std::string conversation_id, uint32_t limit, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_search_messages();
              r->set_query(std::move(query));
              r->set_conversation_id(std::move(conversation_id));
              r->set_limit(limit);
            }),
            std::move(done));
}

std::string Client::direct_conversation_id(const std::string& user_a, const std::string& user_b) {
  return user_a < user_b ? "d:" + user_a + ":" + user_b : "d:" + user_b + ":" + user_a;
}

}  // namespace parley
