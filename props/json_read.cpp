#include "json_read.h"

#include <cstdlib>

namespace memhp {

namespace {

class Reader {
 public:
  explicit Reader(const std::string& t) : t_(t) {}

  std::variant<Json, std::string> document() {
    Json j;
    if (!value(j)) return err_;
    skip();
    if (i_ != t_.size()) return "trailing characters at offset " + std::to_string(i_);
    return j;
  }

 private:
  void skip() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool fail(const std::string& what) {
    err_ = what + " at offset " + std::to_string(i_);
    return false;
  }
  bool literal(const char* word, Json& out, Json value) {
    const std::string w(word);
    if (t_.compare(i_, w.size(), w) != 0) return fail("bad literal");
    i_ += w.size();
    out = std::move(value);
    return true;
  }

  bool value(Json& out) {
    skip();
    if (i_ >= t_.size()) return fail("unexpected end");
    switch (t_[i_]) {
      case '{': return object(out);
      case '[': return array(out);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out.v = std::move(s);
        return true;
      }
      case 't': return literal("true", out, Json{true});
      case 'f': return literal("false", out, Json{false});
      case 'n': return literal("null", out, Json{nullptr});
      default: return number(out);
    }
  }

  bool string(std::string& s) {
    ++i_;  // opening quote
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (c != '\\') {
        s += c;
        continue;
      }
      if (i_ >= t_.size()) return fail("bad escape");
      c = t_[i_++];
      switch (c) {
        case 'n': s += '\n'; break;
        case 't': s += '\t'; break;
        case 'r': s += '\r'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'u': {  // keep ASCII; anything else becomes '?'
          if (i_ + 4 > t_.size()) return fail("bad \\u escape");
          const long cp = std::strtol(t_.substr(i_, 4).c_str(), nullptr, 16);
          s += cp < 0x80 ? static_cast<char>(cp) : '?';
          i_ += 4;
          break;
        }
        default: s += c;
      }
    }
    if (i_ >= t_.size()) return fail("unterminated string");
    ++i_;
    return true;
  }

  bool number(Json& out) {
    const std::size_t start = i_;
    bool real = false;
    if (t_[i_] == '-') ++i_;
    while (i_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[i_])) || t_[i_] == '.' ||
                              t_[i_] == 'e' || t_[i_] == 'E' || t_[i_] == '+' || t_[i_] == '-')) {
      real = real || t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E';
      ++i_;
    }
    if (i_ == start) return fail("unexpected character");
    const std::string text = t_.substr(start, i_ - start);
    if (real)
      out.v = std::strtod(text.c_str(), nullptr);
    else
      out.v = static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10));
    return true;
  }

  bool object(Json& out) {
    auto obj = std::make_shared<Json::Object>();
    ++i_;
    skip();
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      out.v = obj;
      return true;
    }
    while (true) {
      skip();
      if (i_ >= t_.size() || t_[i_] != '"') return fail("expected a key");
      std::string key;
      if (!string(key)) return false;
      skip();
      if (i_ >= t_.size() || t_[i_] != ':') return fail("expected ':'");
      ++i_;
      Json v;
      if (!value(v)) return false;
      (*obj)[key] = std::move(v);
      skip();
      if (i_ < t_.size() && t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < t_.size() && t_[i_] == '}') {
        ++i_;
        out.v = obj;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(Json& out) {
    auto arr = std::make_shared<Json::Array>();
    ++i_;
    skip();
    if (i_ < t_.size() && t_[i_] == ']') {
      ++i_;
      out.v = arr;
      return true;
    }
    while (true) {
      Json v;
      if (!value(v)) return false;
      arr->push_back(std::move(v));
      skip();
      if (i_ < t_.size() && t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < t_.size() && t_[i_] == ']') {
        ++i_;
        out.v = arr;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  const std::string& t_;
  std::size_t i_ = 0;
  std::string err_;
};

}  // namespace

const Json* Json::get(const std::string& key) const {
  const Object* o = object();
  if (!o) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->second;
}

std::optional<std::int64_t> Json::integer() const {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return std::nullopt;
}

std::optional<std::string> Json::string() const {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}

const Json::Object* Json::object() const {
  if (auto* o = std::get_if<std::shared_ptr<Object>>(&v)) return o->get();
  return nullptr;
}

std::variant<Json, std::string> parse_json(const std::string& text) { return Reader(text).document(); }

}  // namespace memhp
