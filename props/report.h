// Step reports: what `memhp run` (and later `replay`) prints after each step.
//
// Two forms of one step: a JSON line for tools and a text line for people.
// Both are pure functions of the state and result, so the same trace always
// gives byte-identical output.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

// A minimal streaming JSON writer. It places commas and escapes strings; it
// does not check that keys and values alternate, the callers are few and
// short enough to read.
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& number(T v) {
    return raw(std::to_string(v));
  }
  const std::string& str() const { return out_; }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  JsonWriter& raw(std::string_view text);  // one value, comma-separated
  void separate();

  std::string out_;
  std::vector<bool> has_items_;  // per open container: anything written yet?
  bool after_key_ = false;
};

// s as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

// One line (no trailing newline): the step's result, every zone of every
// online node and every present memory block.
std::string json_step(const System& s, int line, const std::string& op, const Result& r);

// `LINE: <op> -> ok` or `-> -EBUSY (reason)`, then indented WARNING:/BUG:
// lines. Every line ends with '\n'.
std::string text_step(int line, const Op& op, const Result& r);

}  // namespace memhp
