#pragma once

#include "outbox/Notice.h"

#include <QDialog>
#include <QSslCertificate>

class QLabel;

namespace outpost {
class Service;
}

namespace outpost::ui {

/// The TLS decision (design.md §4 "certificate not trusted"): shows the server certificate
/// of a paused account — subject, issuer, validity, SHA-256 fingerprint of the leaf from
/// Notice::result.certificateChainPem — and why it was not trusted. "Trust this certificate
/// for this account" stores the fingerprint in Account::pinSha256 (AccountStore::update) and
/// resumes the account (Service::resumeAccount); "Keep paused" leaves everything as it is.
class CertificateDialog : public QDialog
{
    Q_OBJECT
public:
    CertificateDialog(Service *service, const Notice &notice, QWidget *parent = nullptr);

    /// The leaf certificate shown (null when the notice carried none).
    QSslCertificate certificate() const { return m_leaf; }
    /// Hex SHA-256 of the leaf, lower case, no separators.
    QString fingerprint() const;
    /// Pins the certificate and resumes the account; false with the reason shown.
    bool trust();
    /// Colon-separated upper-case hex, as certificate viewers show fingerprints.
    static QString formatFingerprint(const QByteArray &digest);

private:
    Service *m_service;
    QString m_account;
    QSslCertificate m_leaf;
    QLabel *m_message;
};

} // namespace outpost::ui
