#include "server/core/device_policy.h"

namespace parley::core {

PlatformClass platform_class(v1::Platform platform) {
  switch (platform) {
    case v1::IOS:
    case v1::ANDROID: return PlatformClass::kMobile;
    case v1::WINDOWS:
    case v1::MACOS:
    case v1::LINUX: return PlatformClass::kDesktop;
    case v1::WEB: return PlatformClass::kWeb;
    case v1::BOT: return PlatformClass::kBot;
    default: return PlatformClass::kOther;
  }
}

std::vector<std::string> devices_replaced_by_login(DevicePolicy policy,
                                                   const std::vector<store::SessionRecord>& existing,
                                                   const std::string& device_id, v1::Platform platform) {
  std::vector<std::string> replaced;
  for (const auto& s : existing) {
    bool same_device = s.device_id == device_id;
    bool same_class = policy == DevicePolicy::kOnePerPlatformClass &&
                      platform_class(s.platform) == platform_class(platform);
    if (same_device || same_class) replaced.push_back(s.device_id);
  }
  return replaced;
}

}  // namespace parley::core
