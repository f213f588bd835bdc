#pragma once

#include "Account.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

namespace outpost {

class Database;
class Storage;

/// The accounts, kept in the outbox database (never their secrets). Also remembers, per
/// account, whether sending is paused (authentication refused, certificate not trusted) and
/// the capabilities of the server's last EHLO, so the compose window can warn before queueing.
///
/// Read from memory (loaded from the read connection); every change is made in memory at once
/// and written through the Storage, in order with the other writes. With a storage thread a
/// change returns before it is on disk; one that cannot be written is undone (the accounts
/// are read again) and reported by writeFailed(). Without one (short CLI commands) it is
/// written before the call returns, which then reports a failed write itself.
class AccountStore : public QObject
{
    Q_OBJECT
public:
    /// Loads the accounts from `db` (the read connection); writes go through `storage`.
    AccountStore(Database *db, Storage *storage, QObject *parent = nullptr);

    /// Adds a new account; false with *error when the name exists or a field is invalid.
    bool add(const Account &account, QString *error);
    /// Replaces the stored fields of an existing account (not its pause state).
    bool update(const Account &account, QString *error);
    /// Removes an account and its settings (its messages stay, and can be moved or deleted by
    /// the user); false with *error when no account has that name or on a write error.
    bool remove(const QString &name, QString *error);
    /// The account named `name`, if there is one.
    std::optional<Account> find(const QString &name) const;
    /// Every account, by name.
    QList<Account> list() const;
    /// The account used when none is named (`sendmail`): the one marked default, else the
    /// first by name. Empty when there are none.
    QString defaultAccount() const;
    /// Makes `name` the default account; false with *error when there is no such account.
    bool setDefaultAccount(const QString &name, QString *error);

    /// Pause state: sending stops until the user fixes the account (new password, trust).
    bool isPaused(const QString &name) const;
    /// The names of the paused accounts, in one query.
    QStringList pausedAccounts() const;
    /// The class name account `name` was paused with ("auth", "certificate", "tls"); "" when
    /// it is not paused.
    QString pauseClass(const QString &name) const;
    /// Records a pause with its class name ("auth", "certificate", "tls") and detail.
    void setPaused(const QString &name, bool paused, const QString &errorClass = {},
                   const QString &detail = {});
    /// Capabilities (one keyword per line) from the server's last EHLO, as
    /// Capabilities::describe() made them.
    QStringList lastCapabilities(const QString &name) const;
    /// Remembers the capabilities of the server's last EHLO (written only when they changed).
    void setLastCapabilities(const QString &name, const QStringList &caps);

    /// Checks the fields of an account; "" when fine.
    static QString validate(const Account &account);

    /// Reads the accounts again (another process changed them); changes of this process not
    /// written yet are kept. Emits changed("").
    void reload();

signals:
    /// Account `name` changed ("": any or all of them).
    void changed(const QString &name);
    /// A change could not be written (`error` says why); it was undone.
    void writeFailed(const QString &error);

private:
    /// Everything kept about one account.
    struct Row
    {
        Account account;
        bool paused = false;
        QString pauseClass;
        QString pauseDetail;
        QStringList capabilities;
        bool isDefault = false;
    };
    using Rows = QMap<QString, Row>;
    /// A change: applied to the rows in memory, and the SQL that makes it on disk.
    struct Change
    {
        std::function<void(Rows &)> apply;                ///< the change in memory
        std::function<bool(Database &, QString *)> write; ///< the same on the write connection
    };
    /// Reads every row from the read connection.
    void load();
    /// Applies `change` in memory and writes it; see the class comment for `error`.
    bool commit(const Change &change, QString *error);

    Database *m_db;
    Storage *m_storage;
    Rows m_rows;
    /// Changes applied in memory, not written yet (reapplied by reload()), by sequence number.
    QMap<quint64, std::function<void(Rows &)>> m_unwritten;
    quint64 m_lastChange = 0;
};

} // namespace outpost
