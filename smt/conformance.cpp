#include "conformance.h"

#include <chrono>
#include <set>
#include <stdexcept>
#include <variant>

#include "explore.h"
#include "memhp/trace.h"

namespace memhp::smt {

// ------------------------------------------------------------ evaluator --

BlockEvaluator::BlockEvaluator()
    : start_(c_.int_const("start")), n_(c_.int_const("n")), pv_(c_.int_const("pv")),
      ph_(c_.int_const("ph")), p_(c_.int_const("p")), x_(c_.int_const("x")), kx_(c_.int_const("kx")),
      zp_(c_.int_const("zp")), zm_(c_.int_const("zm")), np_(c_.int_const("np")),
      mom_(c_.bool_const("mom")), choice_(c_.bool_const("choice")), src_(c_) {
  for (const z3::expr& e : {start_, n_, pv_, ph_, p_, x_, kx_, zp_, zm_, np_, mom_, choice_}) src_.push_back(e);
}

const z3::expr_vector& BlockEvaluator::built(BlockOp op, MutantSet m) {
  const auto key = std::make_pair(static_cast<int>(op), m);
  if (auto it = steps_.find(key); it != steps_.end()) return it->second;
  const BlockConst k{start_, n_, pv_, mom_};
  const BlockVar b{ph_, p_};
  const PageStep s = page_step(op, k, b, x_, kx_, choice_, m);
  const Counters cnt = counter_step(op, k, b, {zp_, zm_, np_, c_.int_val(0), c_.int_val(0), c_.int_val(0)}, m);
  z3::expr_vector outs(c_);
  for (const z3::expr& e : {s.guard, s.blk.ph, s.blk.p, s.kx, cnt.zp, cnt.zm, cnt.np}) outs.push_back(e);
  return steps_.emplace(key, outs).first->second;
}

BlockEvaluator::Out BlockEvaluator::eval(BlockOp op, MutantSet m, const In& in) {
  const auto key = std::make_tuple(static_cast<int>(op), m, in);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  z3::expr_vector dst(c_);
  for (std::int64_t v : {static_cast<std::int64_t>(in.start), static_cast<std::int64_t>(in.n),
                         static_cast<std::int64_t>(in.pv), std::int64_t{in.ph}, static_cast<std::int64_t>(in.p),
                         static_cast<std::int64_t>(in.x), std::int64_t{in.kx}, in.zp, in.zm, in.np})
    dst.push_back(c_.int_val(v));
  dst.push_back(c_.bool_val(in.mom));
  dst.push_back(c_.bool_val(in.choice));
  z3::expr_vector outs = built(op, m);
  auto val = [&](unsigned i) {
    const z3::expr e = outs[i].substitute(src_, dst).simplify();
    return e.is_bool() ? std::int64_t{e.is_true()} : e.get_numeral_int64();
  };
  const Out o{val(0) != 0,    static_cast<int>(val(1)), static_cast<u64>(val(2)), static_cast<int>(val(3)),
              val(4),         val(5),                   val(6)};
  return memo_.emplace(key, o).first->second;
}

namespace {

// ------------------------------------------------------ the model's side --

struct Abs {
  int ph = 0;
  u64 p = 0;
  friend bool operator==(const Abs&, const Abs&) = default;
};

Abs abs_block(const System& s, u64 id) {
  const MemoryBlock& m = s.blocks.at(id);
  return {static_cast<int>(block_phase(m)), m.present ? m.nr_vmemmap_pages : 0};
}

int abs_class(const System& s, u64 pfn) { return static_cast<int>(page_class(s.page(Pfn{pfn}).kind)); }

// Every zone's (present, managed) and every node's present pages.
struct Counts {
  std::map<std::pair<int, Zone>, std::pair<std::int64_t, std::int64_t>> zones;
  std::map<int, std::int64_t> nodes;
  friend bool operator==(const Counts&, const Counts&) = default;
};

Counts counts(const System& s) {
  Counts c;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    c.nodes[nid] = static_cast<std::int64_t>(s.node(nid).node_present_pages);
    for (Zone z : kAllZones) {
      const ZoneState& zs = s.zone(nid, z);
      c.zones[{nid, z}] = {static_cast<std::int64_t>(zs.present_pages), static_cast<std::int64_t>(zs.managed_pages)};
    }
  }
  return c;
}

std::string describe(const Counts& want, const Counts& got) {
  for (const auto& [k, v] : want.zones)
    if (got.zones.at(k) != v)
      return "node " + std::to_string(k.first) + " " + std::string(zone_name(k.second)) + " present/managed " +
             std::to_string(got.zones.at(k).first) + "/" + std::to_string(got.zones.at(k).second) +
             " where the model has " + std::to_string(v.first) + "/" + std::to_string(v.second);
  for (const auto& [nid, v] : want.nodes)
    if (got.nodes.at(nid) != v)
      return "node " + std::to_string(nid) + " present " + std::to_string(got.nodes.at(nid)) +
             " where the model has " + std::to_string(v);
  return "counters differ";
}

// The (node, zone) a block transition counts in: the block's zone while it
// is online before or after; for a refused online (which the mirrored
// mutants may make count), the zone whose counters moved.
std::optional<std::pair<int, Zone>> accounted_zone(const System& pre, const System& post, u64 id) {
  for (const System* s : {&post, &pre}) {
    const MemoryBlock& m = s->blocks.at(id);
    if (m.present && m.state == BlockState::Online && m.zone) return std::make_pair(m.nid, *m.zone);
  }
  const Counts a = counts(pre), b = counts(post);
  for (const auto& [k, v] : a.zones)
    if (b.zones.at(k) != v) return k;
  return std::nullopt;
}

// A block transition of one block; a plan is a sequence of them, in order.
struct Step {
  u64 block = 0;
  BlockOp op = BlockOp::Rejected;
};
using Plan = std::vector<Step>;

// ------------------------------------------------------------- the judge --

class Judge {
 public:
  Judge(const ExploreConfig& c, MutantSet m, BlockEvaluator& ev) : c_(c), m_(m), ev_(ev) {
    const Geometry& g = c.geo;
    n_ = g.block_pages();
    Profile on = c.prof;
    on.memmap_on_memory = true;
    const MemmapOnMemorySupport sup = mhp_supports_memmap_on_memory(g, on, g.block_bytes);
    mom_ = sup.supported;
    pv_ = sup.supported ? sup.vmemmap_pages : 0;
    for (const ExploreSlot& s : c.slots) {
      const std::vector<u64> ids = slot_blocks(s.start, s.size);
      blocks_.insert(blocks_.end(), ids.begin(), ids.end());
    }
  }

  // nullopt: the candidate plans do not apply (an op outside the encoding).
  // Otherwise "" when some plan matches, or what differed.
  std::optional<std::string> judge(const System& pre, const Op& op, const Result& r, const System& post,
                                   std::uint64_t& steps) {
    const std::optional<std::vector<Plan>> plans = candidate_plans(pre, op, r, post);
    if (!plans) return std::nullopt;
    std::string why;
    for (const Plan& p : *plans) {
      steps += p.size();
      const std::string d = run_plan(pre, post, p);
      if (d.empty()) return std::string();
      if (why.empty()) why = d;
    }
    return why;
  }

 private:
  u64 start_of(u64 id) const { return c_.geo.block_start(id).v; }
  int phase_of(const System& s, u64 id) const { return abs_block(s, id).ph; }
  std::vector<u64> slot_blocks(u64 start, u64 size) const {
    std::vector<u64> out;
    const Geometry& g = c_.geo;
    for (u64 b = g.block_id(g.pfn_of(start)); b < g.block_id(g.pfn_of(start + size)); ++b) out.push_back(b);
    return out;
  }

  // What the kernel does, as block transitions. Success and failure come
  // from the model's result (the encoding leaves them open: which pages
  // are movable, whether the notifier vetoes); everything else from the
  // op, the configuration and the state before.
  std::optional<std::vector<Plan>> candidate_plans(const System& pre, const Op& op, const Result& r,
                                                   const System& post) const {
    const int off = static_cast<int>(Phase::Offline), on = static_cast<int>(Phase::Online);
    if (const auto* o = std::get_if<OpOnlineBlock>(&op)) {
      const BlockOp b = r.ok() ? BlockOp::Online
                                : phase_of(pre, o->block) == off ? BlockOp::OnlineRefused : BlockOp::Rejected;
      return std::vector<Plan>{{{o->block, b}}};
    }
    if (const auto* o = std::get_if<OpOfflineBlock>(&op)) {
      const BlockOp b = r.ok() ? BlockOp::Offline
                                : phase_of(pre, o->block) == on ? BlockOp::OfflineBusy : BlockOp::Rejected;
      return std::vector<Plan>{{{o->block, b}}};
    }
    if (const auto* o = std::get_if<OpAlloc>(&op)) {
      const BlockOp b = !r.ok() ? BlockOp::Rejected : o->free ? BlockOp::Free : BlockOp::Alloc;
      return std::vector<Plan>{{{blocks_.front(), b}}};
    }
    if (std::holds_alternative<OpNotifier>(op)) return std::vector<Plan>{{{blocks_.front(), BlockOp::Rejected}}};
    // The walkers: the reader changes nothing. Compaction migrates: each
    // target page is allocated and each source page freed, so in block
    // terms it is an Alloc and a Free (which pages, the encoding leaves
    // open, as for the allocator's own letters); whether they stay in their
    // zone is compaction_stays_in_zone's (INV-43).
    if (std::holds_alternative<OpKpageflags>(op) || (std::holds_alternative<OpCompactNode>(op) && !r.ok()))
      return std::vector<Plan>{{{blocks_.front(), BlockOp::Rejected}}};
    if (std::holds_alternative<OpCompactNode>(op))
      return std::vector<Plan>{{{blocks_.front(), BlockOp::Alloc}, {blocks_.front(), BlockOp::Free}}};
    if (const auto* o = std::get_if<OpDimmAdd>(&op)) return dimm_add_plans(*o, r, post);
    if (const auto* o = std::get_if<OpDimmRemove>(&op)) return dimm_remove_plans(pre, *o, r);
    return std::nullopt;
  }

  // acpi_memory_enable_device(): __add_memory() of the DIMM, with
  // MHP_MEMMAP_ON_MEMORY when mhp_supports_memmap_on_memory(size) holds
  // (one block), then each block onlined if memhp_default_state says so.
  std::vector<Plan> dimm_add_plans(const OpDimmAdd& o, const Result& r, const System& post) const {
    const std::vector<u64> ids = slot_blocks(o.start, o.size);
    Plan p;
    // 6.8 onwards (acpi_always_asks_mom, mom_per_block): every block of any
    // DIMM gets its own altmap.
    const bool per_block = c_.prof.has(Delta::AcpiAlwaysAsksMom) && c_.prof.has(Delta::MomPerBlock);
    const bool with_altmap = c_.prof.memmap_on_memory && mom_ && (per_block || o.size == c_.geo.block_bytes);
    for (u64 id : ids) {
      if (!r.ok()) {
        p.push_back({id, BlockOp::AddFailed});
        continue;
      }
      p.push_back({id, with_altmap ? BlockOp::AddMemmapOnMemory : BlockOp::Add});
      if (c_.prof.memhp_default_state != OnlineType::Offline)
        p.push_back({id, phase_of(post, id) == static_cast<int>(Phase::Online) ? BlockOp::Online
                                                                                : BlockOp::OnlineRefused});
    }
    return {p};
  }

  // acpi_scan_hot_remove(): offline every online block, then remove the
  // memory. When an offline fails, acpi_scan_try_to_offline() onlines
  // again the ones it offlined: each online block then either failed
  // (OfflineBusy), was offlined and onlined again (refused only while a
  // notifier vetoes going-online), or was not reached.
  std::vector<Plan> dimm_remove_plans(const System& pre, const OpDimmRemove& o, const Result& r) const {
    std::vector<u64> ids;
    for (const ExploreSlot& s : c_.slots)
      if (s.start == o.start)
        for (u64 id : slot_blocks(s.start, s.size))
          if (phase_of(pre, id) != static_cast<int>(Phase::Absent)) ids.push_back(id);
    if (r.ok()) {
      Plan p;
      for (u64 id : ids)
        if (phase_of(pre, id) == static_cast<int>(Phase::Online)) p.push_back({id, BlockOp::Offline});
      for (u64 id : ids) p.push_back({id, BlockOp::Remove});
      return {p};
    }
    std::vector<std::vector<BlockOp>> fates = {{BlockOp::OfflineBusy}, {BlockOp::Offline, BlockOp::Online}, {}};
    if (pre.notifier.going_online_errno) fates.push_back({BlockOp::Offline, BlockOp::OnlineRefused});
    std::vector<Plan> plans{{}};
    for (u64 id : ids) {
      if (phase_of(pre, id) != static_cast<int>(Phase::Online)) continue;
      std::vector<Plan> next;
      for (const Plan& base : plans)
        for (const std::vector<BlockOp>& ops : fates) {
          Plan p = base;
          for (BlockOp b : ops) p.push_back({id, b});
          next.push_back(p);
        }
      plans = next;
    }
    return plans;
  }

  BlockEvaluator::In input(u64 id, const Abs& a) const {
    BlockEvaluator::In in;
    in.start = start_of(id);
    in.n = n_;
    in.pv = pv_;
    in.mom = mom_;
    in.ph = a.ph;
    in.p = a.p;
    return in;
  }

  // The counters a step moves: its zone's and that zone's node's.
  static void set_counters(BlockEvaluator::In& in, const Counts& c, std::pair<int, Zone> z) {
    in.zp = c.zones.at(z).first;
    in.zm = c.zones.at(z).second;
    in.np = c.nodes.at(z.first);
  }

  // "" when the plan, evaluated on the encoding from `pre`, gives `post`.
  std::string run_plan(const System& pre, const System& post, const Plan& plan) {
    std::map<u64, Abs> blk = blocks_of(pre);
    Counts cnt = counts(pre);
    for (const Step& st : plan) {
      BlockEvaluator::In in = input(st.block, blk[st.block]);
      const auto zone = zone_of(pre, post, st);
      if (zone) set_counters(in, cnt, *zone);
      const BlockEvaluator::Out out = ev_.eval(st.op, m_, in);
      if (!out.guard)
        return std::string(block_op_name(st.op)) + " of block " + std::to_string(st.block) +
               " is not enabled in phase " + std::string(phase_name(in.ph));
      blk[st.block] = {out.ph, out.p};
      if (zone) {
        cnt.zones[*zone] = {out.zp, out.zm};
        cnt.nodes[zone->first] = out.np;
      }
    }
    for (u64 id : blocks_)
      if (!(blk[id] == abs_block(post, id)))
        return "block " + std::to_string(id) + ": the encoding leaves " + std::string(phase_name(blk[id].ph)) +
               " p=" + std::to_string(blk[id].p) + ", the model " +
               std::string(phase_name(abs_block(post, id).ph)) + " p=" + std::to_string(abs_block(post, id).p);
    if (const Counts want = counts(post); !(cnt == want)) return describe(want, cnt);
    for (u64 x : watched(pre, post))
      if (!reaches(plan, x, abs_class(pre, x), abs_class(post, x), 0, blocks_of(pre)))
        return "pfn " + std::to_string(x) + ": no choice takes its page class from " +
               std::string(page_class_name(abs_class(pre, x))) + " to the model's " +
               std::string(page_class_name(abs_class(post, x)));
    return "";
  }

  std::map<u64, Abs> blocks_of(const System& s) const {
    std::map<u64, Abs> blk;
    for (u64 id : blocks_) blk[id] = abs_block(s, id);
    return blk;
  }

  // Whether some choice at each step from step i takes x from class kx to `want`.
  bool reaches(const Plan& plan, u64 x, int kx, int want, std::size_t i, std::map<u64, Abs> blk) {
    if (i == plan.size()) return kx == want;
    const Step& st = plan[i];
    BlockEvaluator::In in = input(st.block, blk[st.block]);
    in.x = x;
    in.kx = kx;
    for (bool choice : {false, true}) {
      in.choice = choice;
      const BlockEvaluator::Out out = ev_.eval(st.op, m_, in);
      std::map<u64, Abs> next = blk;
      next[st.block] = {out.ph, out.p};
      if (reaches(plan, x, out.kx, want, i + 1, next)) return true;
    }
    return false;
  }

  std::optional<std::pair<int, Zone>> zone_of(const System& pre, const System& post, const Step& st) const {
    if (st.op != BlockOp::Online && st.op != BlockOp::Offline && st.op != BlockOp::OnlineRefused) return std::nullopt;
    if (st.op == BlockOp::Offline) {  // the zone it was online in
      const MemoryBlock& m = pre.blocks.at(st.block);
      if (m.present && m.zone) return std::make_pair(m.nid, *m.zone);
    }
    return accounted_zone(pre, post, st.block);
  }

  // Each block's boundaries and vmemmap end (before and after), and the
  // first pfn of every run of the page map before and after.
  std::vector<u64> watched(const System& pre, const System& post) const {
    std::set<u64> xs;
    for (u64 id : blocks_) {
      const u64 s = start_of(id);
      for (const System* sys : {&pre, &post}) {
        const u64 p = abs_block(*sys, id).p;
        for (u64 x : {s - 1, s, s + p - (p ? 1 : 0), s + p, s + n_ - 1, s + n_}) xs.insert(x);
      }
    }
    for (const System* sys : {&pre, &post})
      sys->pages.for_each(0, c_.geo.max_pfn_limit(), [&](u64 a, u64, const PageState&) { xs.insert(a); });
    return {xs.begin(), xs.end()};
  }

  const ExploreConfig& c_;
  MutantSet m_;
  BlockEvaluator& ev_;
  u64 n_ = 0, pv_ = 0;
  bool mom_ = false;
  std::vector<u64> blocks_;
};

}  // namespace

const std::vector<std::string>& conformance_configs() {
  static const std::vector<std::string> names = {"x86-1slot",     "x86-1slot-mom", "x86-1slot-veto-mom",
                                                 "x86-256m-mom",  "x86-2slot-mom", "x86-auto-kernel-mom",
                                                 "x86-1slot-compact-mom"};
  return names;
}

ConformanceReport check_conformance(const std::string& name, MutantSet m, const KernelSpec& kernel) {
  const auto t0 = std::chrono::steady_clock::now();
  const ExploreConfig* named = find_explore_config(name);
  if (!named) throw std::runtime_error("no explorer configuration '" + name + "'");
  auto read = parse_explore_config(print_explore_config(*named), kernel);
  if (auto* e = std::get_if<ParseError>(&read))
    throw std::runtime_error(name + " as " + print_kernel_spec(kernel) + ": " + e->message);
  const ExploreConfig* c = &std::get<ExploreConfig>(read);
  ExploreOptions o;
  o.mutants = m;
  o.keep_keys = true;  // every state is judged again below
  auto res = explore(*c, o);
  if (auto* err = std::get_if<std::string>(&res)) throw std::runtime_error(name + ": " + *err);
  const ExploreResult& r = std::get<ExploreResult>(res);
  auto booted = boot_system(c->geo, c->prof, c->boot);
  if (auto* err = std::get_if<std::string>(&booted)) throw std::runtime_error(name + ": " + *err);
  System like = std::get<System>(booted);
  like.mutants = m;

  ConformanceReport rep;
  rep.config = name;
  BlockEvaluator ev;
  Judge judge(*c, m, ev);
  for (std::uint32_t v = 0; v < r.keys.size() && !rep.divergence; ++v) {
    if ((*r.graph)[v].violating) continue;  // the invariants already fail there
    const System pre = state_from_key(r.keys[v], like);
    ++rep.states;
    for (const AlphabetOp& letter : r.alphabet) {
      System post = pre;
      const Result res = apply_op(post, letter.op);
      ++rep.transitions;
      const std::optional<std::string> d = judge.judge(pre, letter.op, res, post, rep.block_steps);
      if (!d) {
        ++rep.not_judged;
        continue;
      }
      if (d->empty()) continue;
      Trace t = trace_to(*c, o, r, v);
      t.steps.push_back(TraceStep{0, letter.op, res.err});
      rep.divergence = "`" + print_op(letter.op) + "`: " + *d;
      rep.trace = print_trace(t);
      break;
    }
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace memhp::smt
