#pragma once
// The one table of settings (design.md §6): every key, its default and, for numbers, the range
// accepted. Settings reads and validates through it; the structs whose fields are settings
// (SessionConfig, PoolLimits) take their defaults from it at compile time, so a default is
// written once. Header-only constants with no dependency beyond QtCore, so that smtp/ may use
// them without depending on the accounts code.

#include <QLatin1String>
#include <QtGlobal>

#include <limits>
#include <string_view>

namespace outpost {

/// One setting: its key, default value (as `config get` prints it) and, for a number, the
/// smallest and largest value accepted.
struct SettingInfo
{
    std::string_view key;
    std::string_view def;
    bool numeric = false;
    qint64 min = 0;
    qint64 max = 0;
};

namespace settings_detail {
// Counts and times handed to timers and the pool are ints (ms): at most 2^31 - 1 (24.8 days).
inline constexpr qint64 kIntMax = std::numeric_limits<int>::max();
// The retry times are 64-bit (ms) throughout: up to one year.
inline constexpr qint64 kYearMs = 365LL * 24 * 3600 * 1000;
/// Reached only at compile time, for a key that is not in kSettings (never defined: a call
/// that is evaluated is a compile error).
void settingNotInTheTable();
} // namespace settings_detail

/// Every setting, in the order `config list` and the documentation show them.
inline constexpr SettingInfo kSettings[] = {
    {"pool.max_per_server", "2", true, 1, settings_detail::kIntMax},
    {"pool.max_messages", "100", true, 1, settings_detail::kIntMax},
    {"pool.idle_ms", "60000", true, 0, settings_detail::kIntMax},
    {"pool.rate_per_min", "0", true, 0, settings_detail::kIntMax},
    {"timeout.connect", "30000", true, 0, settings_detail::kIntMax},
    {"timeout.greeting", "300000", true, 0, settings_detail::kIntMax},
    {"timeout.command", "300000", true, 0, settings_detail::kIntMax},
    {"timeout.data_block", "180000", true, 0, settings_detail::kIntMax},
    {"timeout.data_end", "600000", true, 0, settings_detail::kIntMax},
    {"timeout.quit", "5000", true, 0, settings_detail::kIntMax},
    {"timeout.password_command", "60000", true, 1, settings_detail::kIntMax},
    {"shutdown.deadline_ms", "10000", true, 0, settings_detail::kIntMax},
    {"retry.initial_ms", "60000", true, 0, settings_detail::kYearMs},
    {"retry.max_ms", "3600000", true, 0, settings_detail::kYearMs},
    {"retry.lifetime_ms", "432000000", true, 0, settings_detail::kYearMs},
    {"pipelining", "auto", false},
    {"chunking", "auto", false},
    {"chunking.chunk_size", "1048576", true, 512, 256LL * 1024 * 1024},
    {"pool.claim_ahead_bytes", "16777216", true, 0, 1LL << 40},
    {"dsn.notify", "default", false},
    // Days a sent message keeps its bytes (0 = for ever; at most 100 years); a global setting.
    {"retention.sent_days", "30", true, 0, 36500},
};

/// The entry of `key` in kSettings, or nullptr.
constexpr const SettingInfo *findSetting(std::string_view key)
{
    for (const SettingInfo &s : kSettings) {
        if (s.key == key)
            return &s;
    }
    return nullptr;
}

/// `key` checked against the table at compile time (a key that is not there does not
/// compile), for reading a setting: settings->intValue(account, settingKey("retry.max_ms")).
consteval QLatin1String settingKey(std::string_view key)
{
    const SettingInfo *s = findSetting(key);
    if (!s)
        settings_detail::settingNotInTheTable();
    return QLatin1String(s->key.data(), qsizetype(s->key.size()));
}

/// The default of numeric setting `key`, at compile time (an unknown or non-numeric key does
/// not compile).
consteval qint64 settingDefault(std::string_view key)
{
    const SettingInfo *s = findSetting(key);
    if (!s || !s->numeric)
        settings_detail::settingNotInTheTable();
    qint64 n = 0;
    for (const char c : s->def)
        n = n * 10 + (c - '0');
    return n;
}

/// The default of text setting `key` ("auto"), at compile time.
consteval std::string_view settingDefaultText(std::string_view key)
{
    const SettingInfo *s = findSetting(key);
    if (!s || s->numeric)
        settings_detail::settingNotInTheTable();
    return s->def;
}

} // namespace outpost
