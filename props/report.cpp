// Step reports for `memhp run`: JSON lines and text lines.
#include "report.h"

#include <cstdio>

namespace memhp {

// ---------------------------------------------------------- JsonWriter --

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_ += ',';
    has_items_.back() = true;
  }
}

JsonWriter& JsonWriter::open(char c) {
  separate();
  out_ += c;
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_ += c;
  if (!has_items_.empty()) has_items_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  out_ += json_quote(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view text) {
  separate();
  out_ += text;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) { return raw(json_quote(s)); }
JsonWriter& JsonWriter::boolean(bool b) { return raw(b ? "true" : "false"); }
JsonWriter& JsonWriter::null() { return raw("null"); }

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

// ----------------------------------------------------------- json_step --

namespace {

void write_result(JsonWriter& w, const Result& r) {
  w.key("errno").number(r.err);
  if (!r.reason.empty()) w.key("reason").string(r.reason);
  if (!r.warnings.empty()) {
    w.key("warnings").begin_array();
    for (const auto& warning : r.warnings) w.string(warning);
    w.end_array();
  }
  if (!r.bug.empty()) w.key("bug").string(r.bug);
  if (r.partial != Partial::None) w.key("partial").boolean(true);
}

void write_zones(JsonWriter& w, const System& s) {
  w.key("zones").begin_object();
  for (std::size_t nid = 0; nid < s.nodes.size(); ++nid) {
    const NodeState& node = s.nodes[nid];
    if (!node.online) continue;
    for (Zone z : kAllZones) {
      const ZoneState& zs = node.zones[static_cast<std::size_t>(zone_idx(z))];
      w.key(std::to_string(nid) + ":" + std::string(zone_name(z))).begin_object();
      w.key("start_pfn").number(zs.zone_start_pfn);
      w.key("spanned").number(zs.spanned_pages);
      w.key("present").number(zs.present_pages);
      w.key("managed").number(zs.managed_pages);
      w.end_object();
    }
  }
  w.end_object();
}

// One past the highest block id a pfn below MAX_PHYSMEM_BITS can have. A
// present block beyond it is a model bug that the invariants report; here
// it must only not turn one JSON line into 2^64 entries.
u64 block_id_limit(const Geometry& g) {
  u64 per_block = g.block_pages();
  if (per_block == 0) return 0;
  return (g.max_pfn_limit() + per_block - 1) / per_block;
}

void write_blocks(JsonWriter& w, const System& s) {
  w.key("blocks").begin_object();
  s.blocks.for_each(0, block_id_limit(s.geo), [&](u64 lo, u64 hi, const MemoryBlock& mem) {
    if (!mem.present) return;
    for (u64 id = lo; id < hi; ++id) {
      w.key(std::to_string(id)).begin_object();
      w.key("state").string(block_state_name(mem.state));
      w.key("zone");
      if (mem.zone) w.string(zone_name(*mem.zone));
      else w.null();
      w.key("valid_zones").string(valid_zones(s, id));
      w.end_object();
    }
  });
  w.end_object();
}

}  // namespace

std::string json_step(const System& s, int line, const std::string& op, const Result& r) {
  JsonWriter w;
  w.begin_object();
  w.key("line").number(line);
  w.key("op").string(op);
  write_result(w, r);
  write_zones(w, s);
  write_blocks(w, s);
  w.end_object();
  return w.str();
}

// ----------------------------------------------------------- text_step --

std::string text_step(int line, const Op& op, const Result& r) {
  std::string out = std::to_string(line) + ": " + print_op(op) + " -> " + errno_name(r.err);
  if (!r.reason.empty()) out += " (" + r.reason + ")";
  out += '\n';
  for (const auto& warning : r.warnings) out += "  WARNING: " + warning + '\n';
  if (r.partial != Partial::None) out += "  PARTIAL: the kernel left part of the work done\n";
  if (!r.bug.empty()) out += "  BUG: " + r.bug + '\n';
  return out;
}

}  // namespace memhp
