// Pictures of the physical address space: what `memhp render` draws.
//
// Kernel developers explain hotplug with a drawing: the node, its zones
// spanning memory blocks, each block's sections and their subsection maps,
// the self-hosted vmemmap at the front of a memmap_on_memory block, the
// ZONE_DEVICE range with its altmap. A Picture is that drawing as data: one
// lane per kind of thing, each lane a list of segments over the pfn axis.
// The renderers (text, SVG, HTML) only lay lanes out; what a segment says is
// decided here, once.
//
// The pfn axis is not drawn to scale. Every segment boundary of every lane
// is a cut, and the renderers give each stretch between two cuts a width
// that grows with the logarithm of its length. A 64 TiB hole is therefore a
// little wider than a 2 MiB subsection, not 2^25 times wider, and the cost
// of a picture follows the number of runs in the System's RunMaps, never the
// number of pages: 63 TiB renders as fast as 1 GiB.
//
// Every System field that has a place in memory (iomem, dimms, sections,
// blocks and their groups, nodes and zones, pages, pgmaps) shows in some
// segment's text, so two states that differ there give different pictures
// (tests/test_render.cpp holds this for every step of every trace in
// tests/). The rest (notifier, vmstat, lru_disable_count) goes in the
// caption.
#pragma once

#include <string>
#include <vector>

#include "memhp/system.h"
#include "memhp/trace.h"

namespace memhp {

struct Segment {
  u64 start = 0, end = 0;  // pfns, [start, end)
  std::string cls;         // what kind of thing: "online", "vmemmap", "hole"... (CSS class, colour)
  std::string label;       // a few words, drawn when there is room
  std::string detail;      // everything, for a tooltip or the text form
  bool changed = false;    // differs from the previous picture (mark_changes())
  friend bool operator==(const Segment& a, const Segment& b) {
    return a.start == b.start && a.end == b.end && a.cls == b.cls && a.label == b.label &&
           a.detail == b.detail;
  }
};

struct Lane {
  std::string name;  // "iomem", "node 0", "0:Normal", "sections", ...
  std::vector<Segment> segments;  // sorted, disjoint
  friend bool operator==(const Lane&, const Lane&) = default;
};

struct Picture {
  std::string title;                // what state this is: "after line 6: online_block ... -> ok"
  std::vector<std::string> caption; // state with no place on the axis (vmstat, notifier)
  u64 end_pfn = 0;                  // the axis runs over [0, end_pfn)
  u64 page_size = 4096;             // bytes per pfn, for the sizes it prints
  std::vector<Lane> lanes;
  // Segments of the previous picture that this one no longer draws, with
  // their lane's name (mark_changes()).
  std::vector<std::pair<std::string, Segment>> gone;
  // Caption lines this picture has and the previous one had not, and the
  // other way round (mark_changes()).
  std::vector<std::string> caption_added, caption_gone;
  // Every segment boundary, sorted, with 0 and end_pfn.
  std::vector<u64> cuts() const;
  // Pictures compare by what they show, not by their title or highlights.
  bool same_drawing(const Picture& o) const;
};

// The picture of s over [0, max(end_pfn, picture_end(s))). Lanes with
// nothing in them are left out. Pictures of one trace share an end, so that
// only what changed differs between them.
Picture picture_of(const System& s, std::string title, u64 end_pfn = 0);
// Where the axis of s's picture ends: past everything that is there,
// rounded up to a section.
u64 picture_end(const System& s);

// Sets Segment::changed on every segment of `now` that `before` does not
// draw the same, and lists in now.gone what `before` drew that `now` does not.
void mark_changes(Picture& now, const Picture& before);

// The three renderings. Text colours segments with ANSI escapes when
// `colour` is set; SVG is one standalone <svg> document; HTML holds one SVG
// per picture and steps through them (a diff of each step highlighted),
// with no script or style from outside the file.
std::string render_text(const Picture& p, bool colour);
std::string render_svg(const Picture& p);
struct HtmlStep {
  Picture picture;
  std::vector<std::string> diff;  // the step's state diff, as replay prints it
};
std::string render_html(const std::vector<HtmlStep>& steps, const std::string& title);
// The picture of a trace at every step: the boot state, then the state
// after each step (up to max_steps of them), each marking what its step
// changed, with the step's state diff. Execution stops after a step that
// BUG()s or throws, as `memhp run` does; `stopped` then says why. A trace
// that does not boot gives no steps and the boot error.
struct TracePictures {
  std::vector<HtmlStep> steps;
  std::string boot_error;
  std::string stopped;  // "line 7: BUG: ..." when execution stopped early
};
TracePictures trace_pictures(const Trace& t, std::size_t max_steps = ~std::size_t{0});

// Text escaped for XML and HTML content and attribute values.
std::string xml_escape(std::string_view s);

}  // namespace memhp
