// LocalStore: the friends and blocks cache (table `contacts`, one row per (relation, user)).
#include "sdk/local_store.h"

namespace parley::sdk {

void LocalStore::replace_contacts(Relation relation, const std::vector<ContactRecord>& contacts) {
  Transaction tx(*db_);
  db_->stmt("DELETE FROM contacts WHERE relation = ?1").bind(static_cast<int>(relation)).run();
  for (const auto& c : contacts) upsert_contact(relation, c);
  tx.commit();
}

void LocalStore::upsert_contact(Relation relation, const ContactRecord& c) {
  db_->stmt(
         "INSERT INTO contacts(relation, user_id, display_name, remark, since_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
         "ON CONFLICT(relation, user_id) DO UPDATE SET "
         "display_name = CASE WHEN excluded.display_name != '' THEN excluded.display_name ELSE display_name END, "
         "remark = CASE WHEN excluded.remark != '' THEN excluded.remark ELSE remark END, "
         "since_ms = CASE WHEN excluded.since_ms != 0 THEN excluded.since_ms ELSE since_ms END")
      .bind(static_cast<int>(relation), c.user_id, c.display_name, c.remark, c.since_ms)
      .run();
}

void LocalStore::remove_contact(Relation relation, const std::string& user_id) {
  db_->stmt("DELETE FROM contacts WHERE relation = ?1 AND user_id = ?2")
      .bind(static_cast<int>(relation), user_id)
      .run();
}

void LocalStore::set_contact_remark(const std::string& user_id, const std::string& remark) {
  db_->stmt("UPDATE contacts SET remark = ?2 WHERE relation = ?1 AND user_id = ?3")
      .bind(static_cast<int>(Relation::kFriend), remark, user_id)
      .run();
}

std::vector<ContactRecord> LocalStore::contacts(Relation relation) {
  auto& s = db_->stmt(
      "SELECT user_id, display_name, remark, since_ms FROM contacts WHERE relation = ?1 ORDER BY user_id LIMIT ?2");
  s.bind(static_cast<int>(relation), kMaxContacts);
  std::vector<ContactRecord> out;
  while (s.step()) out.push_back(ContactRecord{s.text(0), s.text(1), s.text(2), s.i64(3)});
  return out;
}

}  // namespace parley::sdk
