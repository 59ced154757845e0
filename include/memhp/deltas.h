// Kernel versions and the deltas between them.
//
// The model is one text that follows the kernel; where the kernel changed
// between releases, the model asks the profile whether a *delta* is in force
// (`s.prof.has(Delta::MomPerBlock)`) rather than whether the version is
// newer than some number. A delta is one upstream change that a checker can
// observe: it has a name, the commit that introduced it, the first mainline
// release that carried it, and a line saying what changed. Which deltas a
// version has is data (model/deltas.cpp), read from the sources the profile
// follows (Debian's 6.1.192 and 6.12.118, mainline 6.19), so a backport
// into a stable kernel is one flag, not a special case in the model.
//
// A profile line may switch deltas on or off by name (`with=`, `without=`).
// That is how a reviewer models a patch that is not in any release yet: a
// new delta with no release, switched on over v6.19 (docs/reviewing-a-patch.md).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memhp {

// The kernels a profile can follow. Each is one exact source tree.
enum class KernelVersion : std::uint8_t {
  V6_1,   // Debian 12's 6.1.192 (linux-source-6.1)
  V6_12,  // Debian 12 backports' 6.12.118 (linux-source-6.12)
  V6_19,  // mainline v6.19
};
inline constexpr KernelVersion kAllVersions[] = {KernelVersion::V6_1, KernelVersion::V6_12,
                                                 KernelVersion::V6_19};

std::string_view version_name(KernelVersion v);  // "v6.1"
std::optional<KernelVersion> version_from_name(std::string_view name);

enum class Delta : std::uint8_t {
  MomFallback,          // unsupported memmap_on_memory falls back to the page allocator
  MomForceMode,         // memory_hotplug.memmap_on_memory=force
  MomArchCheck,         // mhp_supports_memmap_on_memory(): the 6.6 conditions, arch hook
  AltmapInBlock,        // struct memory_block keeps the altmap, not nr_vmemmap_pages
  MomPerBlock,          // a multi-block add gets one altmap per block, removed per block
  AcpiAlwaysAsksMom,    // the ACPI driver passes MHP_MEMMAP_ON_MEMORY for any size
  DefaultOnlineKconfig, // the auto-online default is a Kconfig choice (Debian 6.12: online)
  MemmapAccounting,     // nr_memmap_pages / nr_memmap_boot_pages in /proc/vmstat
  MemmapExactAccounting,// ... counted by section_nr_vmemmap_pages() (not in v6.19)
  HotaddPageOffline,    // hot-added pages are PageOffline until freed, not PageReserved
  ManagedAwareOffline,  // offline_pages() subtracts what __offline_isolated_pages() took back
  NodeNotifier,         // hotplug no longer sets or clears N_NORMAL_MEMORY
  NodeRegisteredFirst,  // __try_online_node() registers the node before the memory is added
  AddErrorPathAltmap,   // add_memory_resource()'s error path passes the altmap (B14)
  PerBlockErrorAltmap,  // ... and so does the per-block path (B20b: not in v6.19)
  HotplugLockVmemmap,   // vmemmap init/deinit under mem_hotplug_lock (B15)
  UsageFreedAfterRcu,   // section_deactivate() clears HAS_MEM_MAP, frees usage by RCU (B17)
  OnlineHwpoison,       // memory_block_online() refuses a block with poisoned pages
  kCount
};

using DeltaSet = std::bitset<static_cast<std::size_t>(Delta::kCount)>;

// What a checker can see of a delta, and so whether the model acts on it.
enum class Visibility : std::uint8_t {
  Sequential,   // one op at a time: a trace shows it, and the model mirrors it
  ErrorPath,    // only a failure the model cannot inject shows it: recorded
  Concurrent,   // only an interleaving shows it (locks, RCU): the threaded steps act on it
  Unmodelled,   // it changes state the model does not keep (hwpoison, notifier users): recorded
};
std::string_view visibility_name(Visibility v);

// A mainline release, e.g. {6, 8}; {0, 0} for a change in no release yet.
struct Release {
  int major = 0, minor = 0;
  friend auto operator<=>(const Release&, const Release&) = default;
};
std::string release_name(Release r);  // "6.8", or "unreleased"

// Which of the profiles' source trees have a delta. Not a function of the
// release: Debian's stable trees carry backports (6.1.192 has three 6.7/6.8
// fixes) and fixes newer than 6.19 (6.12.118 has the per-block error path).
enum VersionBit : std::uint8_t { kIn61 = 1, kIn612 = 2, kIn619 = 4 };

struct DeltaInfo {
  Delta delta;
  std::string_view name;      // as `with=`/`without=` and `memhp deltas` spell it
  Release release;            // first mainline release that has it
  std::string_view commit;    // 12 hex digits and subject ("unverified" where not confirmed)
  std::string_view summary;   // one line: what changed
  Visibility visibility;
  std::uint8_t in;            // VersionBit mask, read from the three trees
  std::string_view where;     // the function(s) that show it, in the newer tree
};

const std::vector<DeltaInfo>& delta_registry();
const DeltaInfo& delta_info(Delta d);
std::optional<Delta> delta_from_name(std::string_view name);

// The deltas the exact source tree of `v` has.
DeltaSet deltas_of(KernelVersion v);
std::string delta_names(const DeltaSet& set);  // "a,b", registry order

// The kernel a run models: a version, plus the deltas a patch adds (`with=`)
// and the ones it reverts (`without=`). `--profile "v6.19 with=x"` on every
// subcommand, and each side of `memhp diff-versions`, is one of these.
struct KernelSpec {
  KernelVersion version = KernelVersion::V6_1;
  DeltaSet with, without;

  KernelSpec() = default;
  KernelSpec(KernelVersion v) : version(v) {}  // NOLINT: a bare version is a spec
  // `own` (a profile line's deltas) changed as this spec says.
  DeltaSet adjust(DeltaSet own) const { return (own | with) & ~without; }
  DeltaSet deltas() const { return adjust(deltas_of(version)); }
  friend bool operator==(const KernelSpec&, const KernelSpec&) = default;
};
// "" when `text` ("v6.19 with=a,b without=c") is well formed, else why not.
std::string parse_kernel_spec(std::string_view text, KernelSpec& out);
// The text parse_kernel_spec() reads back: "v6.19 with=mom_per_block".
std::string print_kernel_spec(const KernelSpec& k);
// The names the parser takes, for help texts: "v6.1, v6.12, v6.19".
std::string version_names();

}  // namespace memhp
