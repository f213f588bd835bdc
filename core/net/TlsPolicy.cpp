#include "TlsPolicy.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QSslSocket>

namespace outpost {

void applyTlsPolicy(QSslSocket *socket, const TlsPolicy &policy)
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!policy.extraCaCertificates.isEmpty()) {
        QList<QSslCertificate> cas = ssl.caCertificates();
        cas += policy.extraCaCertificates;
        ssl.setCaCertificates(cas);
    }
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    socket->setSslConfiguration(ssl);
    socket->setPeerVerifyName(policy.host);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
}

bool pinAcceptsPeer(const QSslSocket *socket, const TlsPolicy &policy)
{
    const QSslCertificate leaf = socket->peerCertificate();
    return !policy.pinSha256.isEmpty() && !leaf.isNull() &&
           leaf.digest(QCryptographicHash::Sha256) == policy.pinSha256;
}

QString pinRefusal(const QSslSocket *socket, const TlsPolicy &policy)
{
    if (policy.pinSha256.isEmpty())
        return {};
    const QSslCertificate leaf = socket->peerCertificate();
    if (!leaf.isNull() && leaf.digest(QCryptographicHash::Sha256) == policy.pinSha256)
        return {};
    return QStringLiteral("the server's certificate is not the one pinned for this account");
}

QList<CertificateFacts> certificateFacts(const QList<QByteArray> &chainPem)
{
    QList<CertificateFacts> out;
    for (const QByteArray &pem : chainPem) {
        for (const QSslCertificate &c : QSslCertificate::fromData(pem, QSsl::Pem)) {
            if (c.isNull())
                continue;
            CertificateFacts f;
            f.sha256 = c.digest(QCryptographicHash::Sha256);
            for (const QString &cn : c.subjectInfo(QSslCertificate::CommonName)) {
                if (!f.names.contains(cn))
                    f.names << cn;
            }
            const auto alt = c.subjectAlternativeNames();
            for (auto it = alt.cbegin(); it != alt.cend(); ++it) {
                if (it.key() == QSsl::DnsEntry && !f.names.contains(it.value()))
                    f.names << it.value();
            }
            QStringList issuer = c.issuerInfo(QSslCertificate::CommonName);
            if (issuer.isEmpty())
                issuer = c.issuerInfo(QSslCertificate::Organization);
            f.issuer = issuer.join(QLatin1String(", "));
            f.selfSigned = c.isSelfSigned();
            f.notBefore = c.effectiveDate().toUTC();
            f.notAfter = c.expiryDate().toUTC();
            out << f;
        }
    }
    return out;
}

QList<QByteArray> peerChainPem(const QSslSocket *socket)
{
    QList<QByteArray> out;
    for (const QSslCertificate &c : socket->peerCertificateChain())
        out << c.toPem();
    return out;
}

QStringList sslErrorStrings(const QList<QSslError> &errors)
{
    QStringList why;
    for (const QSslError &e : errors)
        why << e.errorString();
    return why;
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress a(host);
    return !a.isNull() && a.isLoopback();
}

} // namespace outpost
