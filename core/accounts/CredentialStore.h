#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace outpost {

/// Where account secrets live. Asynchronous: the system keychain may need to ask the user.
/// Secrets are never written to the outbox database, the settings or a log.
class CredentialStore
{
public:
    /// Called with the secret, or with ok=false and a reason (no keychain, no entry).
    using ReadCallback = std::function<void(bool ok, const QString &secret, const QString &error)>;
    using WriteCallback = std::function<void(bool ok, const QString &error)>;

    virtual ~CredentialStore() = default;
    /// Reads the password of `account`; calls `done` later on the caller's thread.
    virtual void readPassword(const QString &account, ReadCallback done) = 0;
    /// Stores (or replaces) the password of `account`.
    virtual void writePassword(const QString &account, const QString &password,
                               WriteCallback done) = 0;
    /// Removes the password of `account` (no error when there was none).
    virtual void removePassword(const QString &account, WriteCallback done) = 0;
    /// Tells whether passwords can be kept here at all (a keychain service exists): calls
    /// `done` with ok=false and the reason when not. The default says yes at once.
    virtual void checkAvailable(WriteCallback done) { done(true, {}); }
};

/// Secrets in memory only: for tests and for a single process run (`--password-stdin` with
/// `flush`).
class MemoryCredentialStore : public CredentialStore
{
public:
    void readPassword(const QString &account, ReadCallback done) override;
    void writePassword(const QString &account, const QString &password,
                       WriteCallback done) override;
    void removePassword(const QString &account, WriteCallback done) override;

private:
    QHash<QString, QString> m_secrets;
};

/// The system keychain through QtKeychain (Secret Service / KWallet, macOS Keychain,
/// Windows Credential Manager), under the service name "Outpost".
class KeychainCredentialStore : public CredentialStore
{
public:
    void readPassword(const QString &account, ReadCallback done) override;
    void writePassword(const QString &account, const QString &password,
                       WriteCallback done) override;
    void removePassword(const QString &account, WriteCallback done) override;
    /// Reads a probe entry: "no such entry" means the keychain works; no backend (no Secret
    /// Service or KWallet on the session bus), "not implemented" or another failure mean it
    /// does not.
    void checkAvailable(WriteCallback done) override;
};

/// How long a password command may run by default (milliseconds).
constexpr int kPasswordCommandTimeoutMs = 60000;

/// How a password command ended.
enum class PasswordCommandStatus
{
    Ok,       ///< it printed the password
    Failed,   ///< it could not start, failed (non-zero exit) or printed nothing
    TimedOut, ///< it did not finish in time and was stopped (with what it started)
};

/// Called once with how the command ended, the password (Ok) and, otherwise, a technical detail
/// (its exit status and standard error, or the time it was given).
using PasswordCommandCallback =
    std::function<void(PasswordCommandStatus status, const QString &secret, const QString &detail)>;

/// Runs `command` through the shell (/bin/sh -c, cmd /c on Windows) without blocking and
/// passes the first line of its standard output to `done` (as msmtp's passwordeval does).
/// Fails with the command's exit status or standard error when it fails or prints nothing.
/// `timeoutMs` bounds the run (milliseconds): then the command and everything it started are
/// killed and `done` gets TimedOut; the process object lives on until the kill is reaped, so
/// no process is left running under a destroyed QProcess.
void runPasswordCommand(const QString &command, QObject *context, PasswordCommandCallback done,
                        int timeoutMs = kPasswordCommandTimeoutMs);

} // namespace outpost
