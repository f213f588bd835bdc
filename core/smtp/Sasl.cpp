#include "Sasl.h"

namespace outpost {

namespace {

class Plain : public SaslMechanism
{
public:
    explicit Plain(const SaslCredentials &c) : m_c(c) {}
    QByteArray name() const override { return "PLAIN"; }
    std::optional<QByteArray> initialResponse() override
    {
        m_done = true;
        return QByteArray('\0' + m_c.user.toUtf8() + '\0' + m_c.password.toUtf8());
    }
    std::optional<QByteArray> respond(const QByteArray &) override
    {
        m_error = QStringLiteral("unexpected challenge after PLAIN");
        return std::nullopt;
    }
    bool isComplete() const override { return m_done; }

private:
    SaslCredentials m_c;
    bool m_done = false;
};

class Login : public SaslMechanism
{
public:
    explicit Login(const SaslCredentials &c) : m_c(c) {}
    QByteArray name() const override { return "LOGIN"; }
    std::optional<QByteArray> initialResponse() override { return std::nullopt; }
    std::optional<QByteArray> respond(const QByteArray &) override
    {
        ++m_step;
        if (m_step == 1)
            return m_c.user.toUtf8();
        if (m_step == 2)
            return m_c.password.toUtf8();
        m_error = QStringLiteral("unexpected third challenge in LOGIN");
        return std::nullopt;
    }
    bool isComplete() const override { return m_step >= 2; }

private:
    SaslCredentials m_c;
    int m_step = 0;
};

} // namespace

std::unique_ptr<SaslMechanism> createSaslMechanism(const QString &name, const SaslCredentials &creds,
                                                   std::function<QByteArray()>)
{
    const QString n = name.toUpper();
    if (n == QLatin1String("PLAIN"))
        return std::make_unique<Plain>(creds);
    if (n == QLatin1String("LOGIN"))
        return std::make_unique<Login>(creds);
    return nullptr;
}

QString chooseSaslMechanism(const QStringList &offered, const QString &accountAuth,
                            const SaslCredentials &)
{
    const QString want = accountAuth.toUpper();
    if (want != QLatin1String("AUTO"))
        return offered.contains(want) ? want : QString();
    for (const char *m : {"PLAIN", "LOGIN"}) {
        if (offered.contains(QLatin1String(m)))
            return QString::fromLatin1(m);
    }
    return {};
}

} // namespace outpost
