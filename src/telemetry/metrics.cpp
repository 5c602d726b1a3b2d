#include "telemetry/metrics.hpp"

#include <charconv>
#include <cmath>

namespace domus::telemetry {

namespace {

bool name_char(char c, bool first, bool colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (colon && c == ':') return true;
    return alpha || (!first && c >= '0' && c <= '9');
}

void append_header(std::string& out, const std::string& name, const std::string& help,
                   const char* type) {
    out += "# HELP " + name + " " + escape_help(help) + "\n";
    out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, true)) return false;
    }
    return true;
}

bool valid_label_name(std::string_view name) {
    if (name.empty() || name.substr(0, 2) == "__") return false;
    for (size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, false)) return false;
    }
    return true;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void append_sample(std::string& out, std::string_view name,
                   const std::vector<std::string>& label_names, const Labels& labels,
                   std::string_view value, std::string_view extra_label,
                   std::string_view extra_value) {
    out += name;
    const bool any = !label_names.empty() || !extra_label.empty();
    if (any) {
        out += '{';
        bool first = true;
        for (size_t i = 0; i < label_names.size() && i < labels.size(); ++i) {
            if (!first) out += ',';
            first = false;
            out += label_names[i] + "=\"" + escape_label_value(labels[i]) + "\"";
        }
        if (!extra_label.empty()) {
            if (!first) out += ',';
            out += std::string(extra_label) + "=\"" + escape_label_value(extra_value) + "\"";
        }
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(const Labels& labels, uint64_t n) {
    if (labels.size() != label_names_.size()) return;
    std::lock_guard lock(mu_);
    auto& slot = series_[labels];
    if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
    slot->fetch_add(n, std::memory_order_relaxed);
}

uint64_t CounterFamily::value(const Labels& labels) const {
    std::lock_guard lock(mu_);
    auto it = series_.find(labels);
    return it == series_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void CounterFamily::expose(std::string& out) const {
    append_header(out, name_, help_, "counter");
    std::lock_guard lock(mu_);
    if (series_.empty() && label_names_.empty()) {
        append_sample(out, name_, {}, {}, "0");
        return;
    }
    for (const auto& [labels, v] : series_) {
        append_sample(out, name_, label_names_, labels,
                      std::to_string(v->load(std::memory_order_relaxed)));
    }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::observe(const Labels& labels, double value) {
    if (labels.size() != label_names_.size() || std::isnan(value)) return;
    std::lock_guard lock(mu_);
    Series& s = series_[labels];
    if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
    size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    ++s.buckets[i];
    s.sum += value;
    ++s.count;
}

uint64_t HistogramFamily::count(const Labels& labels) const {
    std::lock_guard lock(mu_);
    auto it = series_.find(labels);
    return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::expose(std::string& out) const {
    append_header(out, name_, help_, "histogram");
    std::lock_guard lock(mu_);
    for (const auto& [labels, s] : series_) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= bounds_.size(); ++i) {
            cumulative += s.buckets[i];
            const std::string le = i < bounds_.size() ? format_value(bounds_[i]) : "+Inf";
            append_sample(out, name_ + "_bucket", label_names_, labels, std::to_string(cumulative),
                          "le", le);
        }
        append_sample(out, name_ + "_sum", label_names_, labels, format_value(s.sum));
        append_sample(out, name_ + "_count", label_names_, labels, std::to_string(s.count));
    }
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
    std::lock_guard lock(mu_);
    Entry e;
    e.counter = std::make_unique<CounterFamily>(name, help, std::move(label_names));
    entries_.push_back(std::move(e));
    return *entries_.back().counter;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
    std::lock_guard lock(mu_);
    Entry e;
    e.histogram =
        std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
    entries_.push_back(std::move(e));
    return *entries_.back().histogram;
}

void Registry::callback(CallbackFamily family) {
    std::lock_guard lock(mu_);
    Entry e;
    e.callback = std::make_unique<CallbackFamily>(std::move(family));
    entries_.push_back(std::move(e));
}

std::string Registry::expose() const {
    std::string out;
    std::lock_guard lock(mu_);
    for (const Entry& e : entries_) {
        if (e.counter) e.counter->expose(out);
        if (e.histogram) e.histogram->expose(out);
        if (e.callback) {
            const CallbackFamily& f = *e.callback;
            append_header(out, f.name, f.help, f.type.c_str());
            for (const auto& [labels, v] : f.read()) {
                append_sample(out, f.name, f.label_names, labels, format_value(v));
            }
        }
    }
    return out;
}

}  // namespace domus::telemetry
