#include "AccountStore.h"

#include "storage/Database.h"

#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>

namespace outpost {

namespace {
const char kColumns[] = "name, host, port, security, auth, user, from_addr, password_command, "
                        "ca_file, pin_sha256, allow_plain_auth";

Account fromQuery(const QSqlQuery &q)
{
    Account a;
    a.name = q.value(0).toString();
    a.host = q.value(1).toString();
    a.port = quint16(q.value(2).toUInt());
    securityFromName(q.value(3).toString(), &a.security);
    a.auth = q.value(4).toString();
    a.user = q.value(5).toString();
    a.from = q.value(6).toString();
    a.passwordCommand = q.value(7).toString();
    a.caFile = q.value(8).toString();
    a.pinSha256 = q.value(9).toString();
    a.allowPlainAuth = q.value(10).toBool();
    return a;
}

// A null QString binds as SQL NULL, which the NOT NULL text columns refuse: bind "" instead.
QString text(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

void bindFields(QSqlQuery &q, const Account &a)
{
    q.addBindValue(text(a.host));
    q.addBindValue(a.port);
    q.addBindValue(securityName(a.security));
    q.addBindValue(text(a.auth));
    q.addBindValue(text(a.user));
    q.addBindValue(text(a.from));
    q.addBindValue(text(a.passwordCommand));
    q.addBindValue(text(a.caFile));
    q.addBindValue(text(a.pinSha256));
    q.addBindValue(a.allowPlainAuth ? 1 : 0);
    q.addBindValue(a.name);
}
} // namespace

AccountStore::AccountStore(Database *db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{}

QString AccountStore::validate(const Account &a)
{
    if (a.name.trimmed().isEmpty())
        return QStringLiteral("the account needs a name");
    if (a.name.contains(QLatin1Char('\n')) || a.name.contains(QLatin1Char('\r')))
        return QStringLiteral("the account name cannot contain a line break");
    if (a.host.trimmed().isEmpty())
        return QStringLiteral("the account needs a server host name");
    if (a.host.contains(QLatin1Char(' ')) || a.host.contains(QLatin1Char('/')))
        return QStringLiteral("\"%1\" is not a host name").arg(a.host);
    if (a.port == 0)
        return QStringLiteral("the port must be between 1 and 65535");
    static const QStringList auths = {
        QStringLiteral("auto"),    QStringLiteral("none"),          QStringLiteral("plain"),
        QStringLiteral("login"),   QStringLiteral("scram-sha-256"), QStringLiteral("cram-md5"),
        QStringLiteral("xoauth2"), QStringLiteral("oauthbearer")};
    if (!auths.contains(a.auth.toLower()))
        return QStringLiteral("unknown authentication \"%1\" (one of %2)")
            .arg(a.auth, auths.join(QLatin1Char('|')));
    if (!a.pinSha256.isEmpty()) {
        const QString hex = QString(a.pinSha256).remove(QLatin1Char(':'));
        if (hex.size() != 64 || QByteArray::fromHex(hex.toLatin1()).size() != 32)
            return QStringLiteral(
                "--pin-sha256 needs 64 hex digits (the SHA-256 of the certificate)");
    }
    return {};
}

bool AccountStore::add(const Account &account, QString *error)
{
    const QString why = validate(account);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    if (find(account.name)) {
        *error = QStringLiteral("an account named \"%1\" exists already").arg(account.name);
        return false;
    }
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("INSERT INTO accounts (host, port, security, auth, user, from_addr, "
                             "password_command, ca_file, pin_sha256, allow_plain_auth, name) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    bindFields(q, account);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    emit changed(account.name);
    return true;
}

bool AccountStore::update(const Account &account, QString *error)
{
    const QString why = validate(account);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    QSqlQuery q(m_db->db());
    q.prepare(
        QStringLiteral("UPDATE accounts SET host = ?, port = ?, security = ?, auth = ?, user = ?, "
                       "from_addr = ?, password_command = ?, ca_file = ?, pin_sha256 = ?, "
                       "allow_plain_auth = ? WHERE name = ?"));
    bindFields(q, account);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    if (q.numRowsAffected() == 0) {
        *error = QStringLiteral("no account named \"%1\"").arg(account.name);
        return false;
    }
    emit changed(account.name);
    return true;
}

bool AccountStore::remove(const QString &name, QString *error)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("DELETE FROM accounts WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    if (q.numRowsAffected() == 0) {
        *error = QStringLiteral("no account named \"%1\"").arg(name);
        return false;
    }
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral("DELETE FROM settings WHERE account = ?"));
    s.addBindValue(name);
    s.exec();
    emit changed(name);
    return true;
}

std::optional<Account> AccountStore::find(const QString &name) const
{
    static const QString sql =
        QStringLiteral("SELECT %1 FROM accounts WHERE name = ?").arg(QLatin1String(kColumns));
    QSqlQuery &q = m_db->statement(sql);
    const auto done = qScopeGuard([&q] { q.finish(); });
    q.addBindValue(name);
    if (q.exec() && q.next())
        return fromQuery(q);
    return std::nullopt;
}

QList<Account> AccountStore::list() const
{
    QList<Account> out;
    static const QString sql =
        QStringLiteral("SELECT %1 FROM accounts ORDER BY name").arg(QLatin1String(kColumns));
    QSqlQuery &q = m_db->statement(sql);
    if (q.exec()) {
        while (q.next())
            out.append(fromQuery(q));
    }
    q.finish();
    return out;
}

QString AccountStore::defaultAccount() const
{
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT name FROM accounts ORDER BY is_default DESC, name LIMIT 1"));
    return q.next() ? q.value(0).toString() : QString();
}

bool AccountStore::setDefaultAccount(const QString &name, QString *error)
{
    if (!find(name)) {
        *error = QStringLiteral("no account named \"%1\"").arg(name);
        return false;
    }
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("UPDATE accounts SET is_default = (name = ?)"));
    q.addBindValue(name);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    emit changed(name);
    return true;
}

bool AccountStore::isPaused(const QString &name) const
{
    QSqlQuery &q = m_db->statement(QStringLiteral("SELECT paused FROM accounts WHERE name = ?"));
    const auto done = qScopeGuard([&q] { q.finish(); });
    q.addBindValue(name);
    return q.exec() && q.next() && q.value(0).toBool();
}

QStringList AccountStore::pausedAccounts() const
{
    QStringList out;
    QSqlQuery &q = m_db->statement(
        QStringLiteral("SELECT name FROM accounts WHERE paused <> 0 ORDER BY name"));
    if (q.exec()) {
        while (q.next())
            out << q.value(0).toString();
    }
    q.finish();
    return out;
}

void AccountStore::setPaused(const QString &name, bool paused, const QString &errorClass,
                             const QString &detail)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral(
        "UPDATE accounts SET paused = ?, pause_class = ?, pause_detail = ? WHERE name = ?"));
    q.addBindValue(paused ? 1 : 0);
    q.addBindValue(paused ? errorClass : QString());
    q.addBindValue(paused ? detail : QString());
    q.addBindValue(name);
    q.exec();
    emit changed(name);
}

QStringList AccountStore::lastCapabilities(const QString &name) const
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT capabilities FROM accounts WHERE name = ?"));
    q.addBindValue(name);
    if (q.exec() && q.next())
        return q.value(0).toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return {};
}

void AccountStore::setLastCapabilities(const QString &name, const QStringList &caps)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("UPDATE accounts SET capabilities = ? WHERE name = ?"));
    q.addBindValue(caps.join(QLatin1Char('\n')));
    q.addBindValue(name);
    q.exec();
}

} // namespace outpost
