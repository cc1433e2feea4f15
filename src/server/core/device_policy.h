// The multi-device policy: how many sessions a user may hold at once.
#pragma once

#include <string>
#include <vector>

#include "parley/v1/common.pb.h"
#include "server/store/store.h"

namespace parley::core {

enum class DevicePolicy {
  kUnlimited,             // any number of devices
  kOnePerPlatformClass,   // one mobile, one desktop, one web, one bot session; a new login replaces the older
};

enum class PlatformClass { kMobile, kDesktop, kWeb, kBot, kOther };

PlatformClass platform_class(v1::Platform platform);

// The device ids whose sessions a new login on (`device_id`, `platform`) replaces. A login always replaces an
// earlier session on the same device id.
std::vector<std::string> devices_replaced_by_login(DevicePolicy policy,
                                                   const std::vector<store::SessionRecord>& existing,
                                                   const std::string& device_id, v1::Platform platform);

}  // namespace parley::core
