#pragma once

#include "Account.h"

#include <QList>
#include <QObject>

#include <optional>

namespace outpost {

class Database;

/// The accounts, kept in the outbox database (never their secrets). Also remembers, per
/// account, whether sending is paused (authentication refused, certificate not trusted) and
/// the capabilities of the server's last EHLO, so the compose window can warn before queueing.
class AccountStore : public QObject
{
    Q_OBJECT
public:
    explicit AccountStore(Database *db, QObject *parent = nullptr);

    /// Adds a new account; false with *error when the name exists or a field is invalid.
    bool add(const Account &account, QString *error);
    /// Replaces the stored fields of an existing account (not its pause state).
    bool update(const Account &account, QString *error);
    /// Removes an account (its messages stay, and can be moved or deleted by the user); false
    /// with *error when no account has that name or on a write error.
    bool remove(const QString &name, QString *error);
    std::optional<Account> find(const QString &name) const;
    QList<Account> list() const;
    /// The account used when none is named (`sendmail`): the one marked default, else the
    /// first by name. Empty when there are none.
    QString defaultAccount() const;
    bool setDefaultAccount(const QString &name, QString *error);

    /// Pause state: sending stops until the user fixes the account (new password, trust).
    bool isPaused(const QString &name) const;
    /// The names of the paused accounts, in one query.
    QStringList pausedAccounts() const;
    /// Records a pause with its class name ("auth", "certificate", "tls") and detail.
    void setPaused(const QString &name, bool paused, const QString &errorClass = {},
                   const QString &detail = {});
    /// Capabilities (one keyword per line) from the server's last EHLO, as
    /// Capabilities::describe() made them.
    QStringList lastCapabilities(const QString &name) const;
    void setLastCapabilities(const QString &name, const QStringList &caps);

    /// Checks the fields of an account; "" when fine.
    static QString validate(const Account &account);

signals:
    void changed(const QString &name);

private:
    Database *m_db;
};

} // namespace outpost
