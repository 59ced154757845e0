// Canonical state keys for the explorer (see explore.h).
//
// Why a byte string and not a hash: two distinct states must never be
// merged, or the explorer would silently skip part of the space. A key is
// exact when it is injective on states; the decoder proves it in practice
// (state_from_key(state_key(s)) == s, checked on every state of every
// configuration by the tests and by ExploreOptions::verify_keys), since a
// lossy encoding cannot be inverted. Canonical: equal Systems give equal
// bytes, because every field is written in a fixed order, maps in key
// order, and a RunMap as its runs, which are maximal (run_map.h).
//
// The System's fields come in the order of for_each_field() (system.h), the
// one list of them: the encoder and the decoder both walk it, so a field
// added to System reaches both (one of a new type needs a put() and a get()
// before it compiles). The geometry, profile and mutants are not in the key: an
// exploration never changes them, and the decoder takes them from `like`.
//
// Integers are LEB128 (signed ones zig-zag first): most fields are small or
// zero (seven of the eight nodes are empty), so a key is a few hundred bytes
// instead of the few kilobytes of the System's fixed-width fields. Each
// encoder has its decoder next to it; a field added to a struct in
// system.h must be added to both, and the round-trip test fails until it is.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <vector>

#include "explore.h"

namespace memhp {
namespace {

// Appends to a buffer that only grows: the explorer encodes every successor
// into the same string, so after the first few states no encoding
// allocates. One capacity check per number, not per byte.
class KeyWriter {
 public:
  explicit KeyWriter(std::string& out) : out_(out) { out_.resize(out_.capacity()); }
  ~KeyWriter() { out_.resize(n_); }
  KeyWriter(const KeyWriter&) = delete;
  KeyWriter& operator=(const KeyWriter&) = delete;

  void u(u64 v) {
    if (n_ + 10 > out_.size()) out_.resize(2 * out_.size() + 64);
    char* p = out_.data() + n_;
    while (v >= 0x80) {
      *p++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    n_ = static_cast<std::size_t>(p - out_.data());
  }
  void i(std::int64_t v) {  // zig-zag: small magnitudes stay short
    u((static_cast<u64>(v) << 1) ^ static_cast<u64>(v >> 63));
  }
  void str(const std::string& s) {
    u(s.size());
    if (n_ + s.size() > out_.size()) out_.resize(2 * (n_ + s.size()));
    s.copy(out_.data() + n_, s.size());
    n_ += s.size();
  }

 private:
  std::string& out_;
  std::size_t n_ = 0;
};

class KeyReader {
 public:
  explicit KeyReader(const std::string& in) : in_(in) {}
  u64 u() {
    u64 v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (pos_ >= in_.size() || shift > 63) throw std::runtime_error("state key: truncated number");
      const auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<u64>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  }
  std::int64_t i() {
    const u64 z = u();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string str() {
    const u64 n = u();
    if (n > in_.size() - pos_) throw std::runtime_error("state key: truncated string");
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  template <class T>
  T small() {  // an enum or a narrow integer
    return static_cast<T>(u());
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  const std::string& in_;
  std::size_t pos_ = 0;
};

// Flag bits: several bools share one byte.
template <class... B>
u64 pack(B... bits) {
  u64 v = 0, k = 0;
  ((v |= u64{bits} << k++), ...);
  return v;
}
bool bit(u64 v, unsigned k) { return (v >> k) & 1; }

// ----------------------------------------------------------- per value --

void put(KeyWriter& w, const PageState& p) {
  w.u(static_cast<u64>(p.kind) | static_cast<u64>(p.zone) << 4 | static_cast<u64>(p.mt) << 7);
  w.i(p.nid);
  w.u(p.owner);
}
void get(KeyReader& r, PageState& p) {
  const u64 v = r.u();
  p.kind = static_cast<PageKind>(v & 0xf);
  p.zone = static_cast<Zone>((v >> 4) & 0x7);
  p.mt = static_cast<Migratetype>(v >> 7);
  p.nid = static_cast<std::int8_t>(r.i());
  p.owner = static_cast<std::uint32_t>(r.u());
}

constexpr unsigned kMapWords = kMaxSubsections / 64;

void put(KeyWriter& w, const SectionState& s) {
  w.u(pack(s.present, s.has_mem_map, s.online, s.early, s.taint_zone_device));
  w.i(s.nid);
  w.u(static_cast<u64>(s.usage));
  // The bitset 64 bits at a time: one shift and mask per word.
  const std::bitset<kMaxSubsections> mask(~u64{0});
  for (unsigned k = 0; k < kMapWords; ++k) w.u(((s.subsection_map >> (64 * k)) & mask).to_ullong());
  w.u(s.memmap_buddy_pages);
  w.u(s.memmap_altmap_pages);
}
void get(KeyReader& r, SectionState& s) {
  const u64 f = r.u();
  s.present = bit(f, 0), s.has_mem_map = bit(f, 1), s.online = bit(f, 2), s.early = bit(f, 3),
  s.taint_zone_device = bit(f, 4);
  s.nid = static_cast<std::int16_t>(r.i());
  s.usage = r.small<UsageOrigin>();
  s.subsection_map.reset();
  for (unsigned k = 0; k < kMapWords; ++k)
    s.subsection_map |= std::bitset<kMaxSubsections>(r.u()) << (64 * k);
  s.memmap_buddy_pages = static_cast<std::uint32_t>(r.u());
  s.memmap_altmap_pages = static_cast<std::uint32_t>(r.u());
}

void put(KeyWriter& w, const MemoryBlock& m) {
  w.u(pack(m.present));
  w.u(static_cast<u64>(m.state));
  w.u(static_cast<u64>(m.online_type));
  w.i(m.nid);
  w.u(m.zone ? static_cast<u64>(*m.zone) + 1 : 0);
  w.u(m.nr_vmemmap_pages);
  w.u(m.altmap_alloc);
  w.i(m.group);
}
void get(KeyReader& r, MemoryBlock& m) {
  m.present = bit(r.u(), 0);
  m.state = r.small<BlockState>();
  m.online_type = r.small<OnlineType>();
  m.nid = static_cast<int>(r.i());
  const u64 z = r.u();
  m.zone = z ? std::optional<Zone>(static_cast<Zone>(z - 1)) : std::nullopt;
  m.nr_vmemmap_pages = r.u();
  m.altmap_alloc = r.u();
  m.group = static_cast<int>(r.i());
}

// Signed counters, stored offset so that a slip below zero keys apart.
void put(KeyWriter& w, const Vmstat& v) {
  w.i(v.nr_memmap_pages);
  w.i(v.nr_memmap_boot_pages);
}
void get(KeyReader& r, Vmstat& v) {
  v.nr_memmap_pages = static_cast<long>(r.i());
  v.nr_memmap_boot_pages = static_cast<long>(r.i());
}

void put(KeyWriter& w, const Resource& x) {
  w.u(x.start);
  w.u(x.end);
  w.str(x.name);
  w.u(pack(x.system_ram, x.driver_managed, x.mergeable));
}
void get(KeyReader& r, Resource& x) {
  x.start = r.u();
  x.end = r.u();
  x.name = r.str();
  const u64 f = r.u();
  x.system_ram = bit(f, 0), x.driver_managed = bit(f, 1), x.mergeable = bit(f, 2);
}

void put(KeyWriter& w, const MemoryGroup& g) {
  w.i(g.nid);
  w.u(pack(g.is_dynamic));
  w.u(g.max_pages);
  w.u(g.present_kernel_pages);
  w.u(g.present_movable_pages);
}
void get(KeyReader& r, MemoryGroup& g) {
  g.nid = static_cast<int>(r.i());
  g.is_dynamic = bit(r.u(), 0);
  g.max_pages = r.u();
  g.present_kernel_pages = r.u();
  g.present_movable_pages = r.u();
}

void put(KeyWriter& w, const AcpiMemoryDevice& d) {
  w.u(d.start);
  w.u(d.size);
  w.i(d.nid);
  w.i(d.mgid);
  w.u(pack(d.enabled));
}
void get(KeyReader& r, AcpiMemoryDevice& d) {
  d.start = r.u();
  d.size = r.u();
  d.nid = static_cast<int>(r.i());
  d.mgid = static_cast<int>(r.i());
  d.enabled = bit(r.u(), 0);
}

void put(KeyWriter& w, const ZoneState& z) {
  w.u(z.zone_start_pfn);
  w.u(z.spanned_pages);
  w.u(z.present_pages);
  w.u(z.present_early_pages);
  w.u(z.managed_pages);
  w.i(z.nr_isolate_pageblock);
  w.u(z.contiguous);
}
void get(KeyReader& r, ZoneState& z) {
  z.zone_start_pfn = r.u();
  z.spanned_pages = r.u();
  z.present_pages = r.u();
  z.present_early_pages = r.u();
  z.managed_pages = r.u();
  z.nr_isolate_pageblock = static_cast<long>(r.i());
  z.contiguous = r.u() != 0;
}

// Most of the kMaxNodes nodes are never used: an all-zero node is one 0 byte.
void put(KeyWriter& w, const NodeState& n) {
  if (n == NodeState{}) {
    w.u(0);
    return;
  }
  w.u(1 | pack(n.possible, n.online, n.has_memory, n.has_normal_memory, n.has_cpu) << 1);
  w.u(n.node_start_pfn);
  w.u(n.node_spanned_pages);
  w.u(n.node_present_pages);
  for (const ZoneState& z : n.zones) put(w, z);
}
void get(KeyReader& r, NodeState& n) {
  const u64 f = r.u();
  n = NodeState{};
  if (!f) return;
  n.possible = bit(f, 1), n.online = bit(f, 2), n.has_memory = bit(f, 3),
  n.has_normal_memory = bit(f, 4), n.has_cpu = bit(f, 5);
  n.node_start_pfn = r.u();
  n.node_spanned_pages = r.u();
  n.node_present_pages = r.u();
  for (ZoneState& z : n.zones) get(r, z);
}

void put(KeyWriter& w, int v) { w.i(v); }
void get(KeyReader& r, int& v) { v = static_cast<int>(r.i()); }

void put(KeyWriter& w, const MemoryNotifier& n) {
  w.i(n.going_online_errno);
  w.i(n.going_offline_errno);
}
void get(KeyReader& r, MemoryNotifier& n) {
  n.going_online_errno = static_cast<int>(r.i());
  n.going_offline_errno = static_cast<int>(r.i());
}

void put(KeyWriter& w, const DevPagemap& p) {
  w.u(static_cast<u64>(p.type));
  w.i(p.nid);
  w.u(p.vmemmap_shift);
  w.u(p.ranges.size());
  for (const PfnRange& x : p.ranges) {
    w.u(x.start.v);
    w.u(x.end.v);
  }
  w.u(p.altmap ? 1 : 0);
  if (!p.altmap) return;
  for (u64 v : {p.altmap->base_pfn, p.altmap->reserve, p.altmap->free, p.altmap->align, p.altmap->alloc})
    w.u(v);
}
void get(KeyReader& r, DevPagemap& p) {
  p.type = r.small<PgmapType>();
  p.nid = static_cast<int>(r.i());
  p.vmemmap_shift = static_cast<unsigned>(r.u());
  p.ranges.resize(r.u());
  for (PfnRange& x : p.ranges) {
    x.start = Pfn{r.u()};
    x.end = Pfn{r.u()};
  }
  p.altmap.reset();
  if (!r.u()) return;
  DevAltmap a;
  for (u64* v : {&a.base_pfn, &a.reserve, &a.free, &a.align, &a.alloc}) *v = r.u();
  p.altmap = a;
}

// ------------------------------------------------------------ containers --

// A RunMap as its number of runs, then (start, value) per run: the runs are
// maximal, so this is canonical, and each run ends where the next begins.
template <class V>
void put(KeyWriter& w, const RunMap<V>& m) {
  w.u(m.run_count());
  m.for_each(0, RunMap<V>::kEnd, [&](u64 lo, u64, const V& v) {
    w.u(lo);
    put(w, v);
  });
}
template <class V>
void get(KeyReader& r, RunMap<V>& m) {
  const u64 n = r.u();
  u64 lo = 0;
  V v{};
  for (u64 k = 0; k < n; ++k) {
    const u64 next = r.u();
    if (k ? next <= lo : next != 0) throw std::runtime_error("state key: runs out of order");
    if (k) m.assign(lo, next, v);
    lo = next;
    v = V{};
    get(r, v);
  }
  m.assign(lo, RunMap<V>::kEnd, v);
}

template <class V>
void put(KeyWriter& w, const std::vector<V>& v) {
  w.u(v.size());
  for (const V& x : v) put(w, x);
}
template <class V>
void get(KeyReader& r, std::vector<V>& v) {
  v.resize(r.u());
  for (V& x : v) get(r, x);
}

template <class K, class V>
void put(KeyWriter& w, const std::map<K, V>& m) {
  w.u(m.size());
  for (const auto& [k, v] : m) {
    if constexpr (std::is_signed_v<K>)
      w.i(k);
    else
      w.u(k);
    put(w, v);
  }
}
template <class K, class V>
void get(KeyReader& r, std::map<K, V>& m) {
  m.clear();
  const u64 n = r.u();
  for (u64 k = 0; k < n; ++k) {
    const K key = std::is_signed_v<K> ? static_cast<K>(r.i()) : static_cast<K>(r.u());
    get(r, m[key]);
  }
}

// What an exploration never changes (see the top of the file).
template <class T>
constexpr bool kNotInKey =
    std::is_same_v<T, Geometry> || std::is_same_v<T, Profile> || std::is_same_v<T, MutantSet>;

}  // namespace

void state_key(const System& s, std::string& out) {
  out.clear();
  KeyWriter w(out);
  for_each_field(s, [&](const char*, const auto& field) {
    if constexpr (!kNotInKey<std::remove_cvref_t<decltype(field)>>) put(w, field);
  });
}

std::string state_key(const System& s) {
  std::string out;
  state_key(s, out);
  return out;
}

System state_from_key(const std::string& key, const System& like) {
  System s;
  KeyReader r(key);
  for_each_field(s, like, [&](const char*, auto& field, const auto& fixed) {
    if constexpr (kNotInKey<std::remove_cvref_t<decltype(field)>>)
      field = fixed;
    else
      get(r, field);
  });
  if (!r.done()) throw std::runtime_error("state key: trailing bytes");
  return s;
}

bool canonicalize_group_ids(System& s) {
  // No group, or one already numbered 0 (most states): nothing to rename.
  if (s.groups.empty() || (s.groups.size() == 1 && s.groups.begin()->first == 0)) return false;
  // Each group's rank: the lowest block holding it, else (after every
  // block) its contents, then its old id, which only orders groups that
  // are interchangeable anyway.
  std::map<int, u64> first_block;
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64, const MemoryBlock& m) {
    if (m.present && m.group >= 0) first_block.emplace(m.group, a);
  });
  std::vector<int> order;
  for (const auto& [id, g] : s.groups) order.push_back(id);
  auto rank = [&](int id) {
    const MemoryGroup& g = s.groups.at(id);
    const auto it = first_block.find(id);
    return std::make_tuple(it == first_block.end(), it == first_block.end() ? 0 : it->second, g.nid,
                           g.is_dynamic, g.max_pages, g.present_kernel_pages, g.present_movable_pages, id);
  };
  std::sort(order.begin(), order.end(), [&](int a, int b) { return rank(a) < rank(b); });
  std::map<int, int> to;
  for (std::size_t i = 0; i < order.size(); ++i) to[order[i]] = static_cast<int>(i);
  if (std::all_of(to.begin(), to.end(), [](const auto& p) { return p.first == p.second; })) return false;
  std::map<int, MemoryGroup> groups;
  for (const auto& [id, g] : s.groups) groups.emplace(to.at(id), g);
  s.groups = std::move(groups);
  s.blocks.update(0, RunMap<MemoryBlock>::kEnd, [&](MemoryBlock& m) {
    if (m.group >= 0) m.group = to.at(m.group);
  });
  for (auto& [at, d] : s.dimms)
    if (d.mgid >= 0 && to.count(d.mgid)) d.mgid = to.at(d.mgid);
  return true;
}

}  // namespace memhp
