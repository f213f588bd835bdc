#pragma once

#include <QObject>
#include <QStringList>

#include <memory>

namespace outpost {

class Service;

/// Exit codes (sysexits.h), the contract scripts rely on (design.md §6).
namespace exitcode {
constexpr int Ok = 0;
constexpr int Usage = 64;
constexpr int DataErr = 65;
constexpr int Unavailable = 69;
constexpr int Software = 70;
constexpr int CantCreate = 73;
constexpr int TempFail = 75;
constexpr int NoPerm = 77;
constexpr int Config = 78;
} // namespace exitcode

/// True when `args` (without the program name) name a command-line command rather than
/// the desktop app.
bool isCliCommand(const QStringList &args);

/// The `outpost` command line (design.md §6). run() starts a command; finished() gives its
/// exit code. Works without any display. Output: results on stdout, messages on stderr.
class Cli : public QObject
{
    Q_OBJECT
public:
    explicit Cli(QObject *parent = nullptr);
    ~Cli() override;
    /// `args` is the whole argument list, program name first.
    void run(const QStringList &args);

signals:
    void finished(int exitCode);

private:
    void done(int code);
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace outpost
