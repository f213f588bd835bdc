#include "AccountStore.h"

#include "SentCopy.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QSqlError>
#include <QSqlQuery>

namespace outpost {

namespace {
const char kColumns[] = "name, host, port, security, auth, user, from_addr, password_command, "
                        "ca_file, pin_sha256, allow_plain_auth, imap_host, imap_port, "
                        "imap_security, imap_user, sent_folder, sent_copy";
/// Columns of kColumns before the account's own state (paused, …).
constexpr int kFieldCount = 17;

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
    a.imapHost = q.value(11).toString();
    a.imapPort = quint16(q.value(12).toUInt());
    if (!securityFromName(q.value(13).toString(), &a.imapSecurity))
        a.imapSecurity = Security::Tls;
    a.imapUser = q.value(14).toString();
    a.sentFolder = q.value(15).toString();
    if (!sentCopyFromName(q.value(16).toString(), &a.sentCopy))
        a.sentCopy = SentCopy::Auto;
    return a;
}

// A null QString binds as SQL NULL, which the NOT NULL text columns refuse: bind "" instead.
QString text(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

void bindFields(QSqlQuery &q, const Account &a);

/// The settings rows that hold an account's OAuth fields (key, member), in one place for
/// reading and writing.
struct OAuthKey
{
    const char *key;
    QString AccountOAuth::*field;
};
constexpr OAuthKey kOAuthKeys[] = {
    {"oauth.provider", &AccountOAuth::provider},
    {"oauth.client_id", &AccountOAuth::clientId},
    {"oauth.client_secret", &AccountOAuth::clientSecret},
    {"oauth.authorize_url", &AccountOAuth::authorizeUrl},
    {"oauth.token_url", &AccountOAuth::tokenUrl},
    {"oauth.device_url", &AccountOAuth::deviceUrl},
    {"oauth.revoke_url", &AccountOAuth::revokeUrl},
    {"oauth.scope", &AccountOAuth::scope},
    {"oauth.token_store", &AccountOAuth::tokenStore},
};

/// Replaces the "oauth.*" rows of account `a` in the settings table (inside the caller's
/// transaction); an account without OAuth keeps none.
bool writeOAuthRows(Database &db, const Account &a, QString *e)
{
    QSqlQuery del(db.db());
    del.prepare(QStringLiteral("DELETE FROM settings WHERE account = ? AND key LIKE 'oauth.%'"));
    del.addBindValue(a.name);
    if (!del.exec()) {
        *e = del.lastError().text();
        return false;
    }
    if (!a.oauth.enabled())
        return true;
    for (const OAuthKey &k : kOAuthKeys) {
        const QString &value = a.oauth.*k.field;
        if (value.isEmpty())
            continue;
        QSqlQuery q(db.db());
        q.prepare(QStringLiteral("INSERT INTO settings (account, key, value) VALUES (?, ?, ?)"));
        q.addBindValue(a.name);
        q.addBindValue(QLatin1String(k.key));
        q.addBindValue(value);
        if (!q.exec()) {
            *e = q.lastError().text();
            return false;
        }
    }
    return true;
}

/// Writes the row of `a` with `sql` (INSERT or UPDATE, bound by bindFields()) and its OAuth
/// rows in one transaction.
bool writeAccount(Database &db, const Account &a, const QString &sql, QString *e)
{
    Transaction tx(db.db());
    QSqlQuery q(db.db());
    q.prepare(sql);
    bindFields(q, a);
    if (!q.exec()) {
        *e = q.lastError().text();
        return false;
    }
    if (!writeOAuthRows(db, a, e))
        return false;
    if (!tx.commit()) {
        *e = db.db().lastError().text();
        return false;
    }
    return true;
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
    q.addBindValue(text(a.imapHost));
    q.addBindValue(a.imapPort);
    q.addBindValue(securityName(a.imapSecurity));
    q.addBindValue(text(a.imapUser));
    q.addBindValue(text(a.sentFolder));
    q.addBindValue(sentCopyName(a.sentCopy));
    q.addBindValue(a.name);
}
} // namespace

AccountStore::AccountStore(Database *db, Storage *storage, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_storage(storage)
{
    load();
}

void AccountStore::load()
{
    m_rows.clear();
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT %1, paused, pause_class, pause_detail, capabilities, "
                               "is_default FROM accounts")
                    .arg(QLatin1String(kColumns))))
        return;
    while (q.next()) {
        Row r;
        r.account = fromQuery(q);
        r.paused = q.value(kFieldCount).toBool();
        r.pauseClass = q.value(kFieldCount + 1).toString();
        r.pauseDetail = q.value(kFieldCount + 2).toString();
        r.capabilities =
            q.value(kFieldCount + 3).toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        r.isDefault = q.value(kFieldCount + 4).toBool();
        m_rows.insert(r.account.name, r);
    }
    QSqlQuery o(m_db->db());
    o.setForwardOnly(true);
    if (!o.exec(
            QStringLiteral("SELECT account, key, value FROM settings WHERE key LIKE 'oauth.%'")))
        return;
    while (o.next()) {
        const auto it = m_rows.find(o.value(0).toString());
        if (it == m_rows.end())
            continue;
        const QString key = o.value(1).toString();
        for (const OAuthKey &k : kOAuthKeys) {
            if (key == QLatin1String(k.key))
                it->account.oauth.*k.field = o.value(2).toString();
        }
    }
}

void AccountStore::reload()
{
    load();
    for (const auto &apply : std::as_const(m_unwritten))
        apply(m_rows);
    emit changed(QString());
}

bool AccountStore::commit(const Change &change, QString *error)
{
    const quint64 seq = ++m_lastChange;
    change.apply(m_rows);
    m_unwritten.insert(seq, change.apply);
    auto job = [write = change.write](StorageWriter &w) {
        QString why;
        const bool ok = write(w.db, &why);
        return std::make_pair(ok, why);
    };
    if (!m_storage->hasWorkerThread()) {
        const auto [ok, why] = m_storage->writeNow(job);
        m_unwritten.remove(seq);
        if (!ok) {
            reload();
            if (error)
                *error = why;
        }
        return ok;
    }
    m_storage->write(job, this, [this, seq](const std::pair<bool, QString> &r) {
        m_unwritten.remove(seq);
        if (r.first)
            return;
        qWarning("outpost: could not write the accounts: %s", qPrintable(r.second));
        reload(); // without the change that failed
        emit writeFailed(r.second);
    });
    return true;
}

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
    if (a.oauth.enabled()) {
        static const QStringList providers = {QStringLiteral("microsoft"), QStringLiteral("google"),
                                              QStringLiteral("custom")};
        if (!providers.contains(a.oauth.provider))
            return QStringLiteral("unknown OAuth provider \"%1\" (one of %2)")
                .arg(a.oauth.provider, providers.join(QLatin1Char('|')));
        const QString auth = a.auth.toLower();
        if (auth != QLatin1String("xoauth2") && auth != QLatin1String("oauthbearer"))
            return QStringLiteral("an OAuth account signs in with xoauth2 or oauthbearer, not "
                                  "\"%1\"")
                .arg(a.auth);
        if (a.user.isEmpty())
            return QStringLiteral("an OAuth account needs the user (the address signed in)");
        if (a.oauth.tokenStore != QLatin1String("keychain") &&
            a.oauth.tokenStore != QLatin1String("file"))
            return QStringLiteral("the token store is \"keychain\" or \"file\", not \"%1\"")
                .arg(a.oauth.tokenStore);
        if (a.oauth.provider == QLatin1String("custom") &&
            (a.oauth.authorizeUrl.isEmpty() || a.oauth.tokenUrl.isEmpty() ||
             a.oauth.scope.isEmpty()))
            return QStringLiteral("a custom OAuth provider needs the authorize URL, the token "
                                  "URL and the scope");
    }
    return validateImap(a);
}

bool AccountStore::add(const Account &account, QString *error)
{
    const QString why = validate(account);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    if (m_rows.contains(account.name)) {
        *error = QStringLiteral("an account named \"%1\" exists already").arg(account.name);
        return false;
    }
    const bool ok =
        commit({[account](Rows &rows) {
                    rows.insert(account.name, Row{account, false, {}, {}, {}, false});
                },
                [account](Database &db, QString *e) {
                    return writeAccount(
                        db, account,
                        QStringLiteral(
                            "INSERT INTO accounts (host, port, security, auth, user, from_addr, "
                            "password_command, ca_file, pin_sha256, allow_plain_auth, imap_host, "
                            "imap_port, imap_security, imap_user, sent_folder, sent_copy, name) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                        e);
                }},
               error);
    if (ok)
        emit changed(account.name);
    return ok;
}

bool AccountStore::update(const Account &account, QString *error)
{
    const QString why = validate(account);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    if (!m_rows.contains(account.name)) {
        *error = QStringLiteral("no account named \"%1\"").arg(account.name);
        return false;
    }
    const bool ok =
        commit({[account](Rows &rows) {
                    const auto it = rows.find(account.name);
                    if (it != rows.end())
                        it->account = account;
                },
                [account](Database &db, QString *e) {
                    return writeAccount(
                        db, account,
                        QStringLiteral("UPDATE accounts SET host = ?, port = ?, security = ?, "
                                       "auth = ?, user = ?, from_addr = ?, password_command = ?, "
                                       "ca_file = ?, pin_sha256 = ?, allow_plain_auth = ?, "
                                       "imap_host = ?, imap_port = ?, imap_security = ?, "
                                       "imap_user = ?, sent_folder = ?, sent_copy = ? "
                                       "WHERE name = ?"),
                        e);
                }},
               error);
    if (ok)
        emit changed(account.name);
    return ok;
}

bool AccountStore::remove(const QString &name, QString *error)
{
    if (!m_rows.contains(name)) {
        *error = QStringLiteral("no account named \"%1\"").arg(name);
        return false;
    }
    const bool ok = commit({[name](Rows &rows) { rows.remove(name); },
                            [name](Database &db, QString *e) {
                                Transaction tx(db.db());
                                QSqlQuery q(db.db());
                                q.prepare(QStringLiteral("DELETE FROM accounts WHERE name = ?"));
                                q.addBindValue(name);
                                QSqlQuery s(db.db());
                                s.prepare(QStringLiteral("DELETE FROM settings WHERE account = ?"));
                                s.addBindValue(name);
                                if (!q.exec() || !s.exec() || !tx.commit()) {
                                    *e = q.lastError().isValid() ? q.lastError().text()
                                                                 : db.db().lastError().text();
                                    return false;
                                }
                                return true;
                            }},
                           error);
    if (ok)
        emit changed(name);
    return ok;
}

std::optional<Account> AccountStore::find(const QString &name) const
{
    const auto it = m_rows.constFind(name);
    if (it == m_rows.cend())
        return std::nullopt;
    return it->account;
}

QList<Account> AccountStore::list() const
{
    QList<Account> out; // by name (QMap order)
    for (const Row &r : m_rows)
        out.append(r.account);
    return out;
}

QString AccountStore::defaultAccount() const
{
    for (const Row &r : m_rows) {
        if (r.isDefault)
            return r.account.name;
    }
    return m_rows.isEmpty() ? QString() : m_rows.firstKey();
}

bool AccountStore::setDefaultAccount(const QString &name, QString *error)
{
    if (!m_rows.contains(name)) {
        *error = QStringLiteral("no account named \"%1\"").arg(name);
        return false;
    }
    const bool ok =
        commit({[name](Rows &rows) {
                    for (Row &r : rows)
                        r.isDefault = r.account.name == name;
                },
                [name](Database &db, QString *e) {
                    QSqlQuery q(db.db());
                    q.prepare(QStringLiteral("UPDATE accounts SET is_default = (name = ?)"));
                    q.addBindValue(name);
                    if (!q.exec()) {
                        *e = q.lastError().text();
                        return false;
                    }
                    return true;
                }},
               error);
    if (ok)
        emit changed(name);
    return ok;
}

bool AccountStore::isPaused(const QString &name) const
{
    const auto it = m_rows.constFind(name);
    return it != m_rows.cend() && it->paused;
}

QString AccountStore::pauseClass(const QString &name) const
{
    const auto it = m_rows.constFind(name);
    return it == m_rows.cend() || !it->paused ? QString() : it->pauseClass;
}

QStringList AccountStore::pausedAccounts() const
{
    QStringList out;
    for (const Row &r : m_rows) {
        if (r.paused)
            out << r.account.name;
    }
    return out;
}

void AccountStore::setPaused(const QString &name, bool paused, const QString &errorClass,
                             const QString &detail)
{
    const QString cls = paused ? errorClass : QString();
    const QString why = paused ? detail : QString();
    commit({[=](Rows &rows) {
                const auto it = rows.find(name);
                if (it == rows.end())
                    return;
                it->paused = paused;
                it->pauseClass = cls;
                it->pauseDetail = why;
            },
            [=](Database &db, QString *e) {
                QSqlQuery q(db.db());
                q.prepare(QStringLiteral("UPDATE accounts SET paused = ?, pause_class = ?, "
                                         "pause_detail = ? WHERE name = ?"));
                q.addBindValue(paused ? 1 : 0);
                q.addBindValue(cls);
                q.addBindValue(why);
                q.addBindValue(name);
                if (!q.exec()) {
                    *e = q.lastError().text();
                    return false;
                }
                return true;
            }},
           nullptr);
    emit changed(name);
}

QStringList AccountStore::lastCapabilities(const QString &name) const
{
    return m_rows.value(name).capabilities;
}

void AccountStore::setLastCapabilities(const QString &name, const QStringList &caps)
{
    const auto it = m_rows.constFind(name);
    // Written only when they changed: every new pooled session (each 100 messages) reports the
    // same.
    if (it == m_rows.cend() || it->capabilities == caps)
        return;
    commit({[=](Rows &rows) {
                const auto r = rows.find(name);
                if (r != rows.end())
                    r->capabilities = caps;
            },
            [=](Database &db, QString *e) {
                QSqlQuery q(db.db());
                q.prepare(QStringLiteral("UPDATE accounts SET capabilities = ? WHERE name = ?"));
                q.addBindValue(caps.join(QLatin1Char('\n')));
                q.addBindValue(name);
                if (!q.exec()) {
                    *e = q.lastError().text();
                    return false;
                }
                return true;
            }},
           nullptr);
}

} // namespace outpost
