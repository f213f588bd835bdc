#include "DesktopApp.h"

#include "AccountDialog.h"
#include "CertificateDialog.h"
#include "ComposeWindow.h"
#include "Icons.h"
#include "Mailto.h"
#include "MainWindow.h"
#include "TrayController.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QApplication>
#include <QEvent>
#include <QMessageBox>
#include <QStatusBar>

namespace outpost::ui {

DesktopApp::DesktopApp(Service *service, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_window(new MainWindow(service))
{
    Icons::initResources();
    QApplication::setQuitOnLastWindowClosed(false);
    QApplication::setWindowIcon(Icons::app());
    m_tray = new TrayController(service, m_window, this);
    m_window->setCloseToTray(TrayController::isAvailable());

    connect(m_window, &MainWindow::composeRequested, this, [this] { openCompose(); });
    connect(m_window, &MainWindow::replyToFileRequested, this,
            [this](const QString &path) { openCompose()->replyToFile(path); });
    connect(m_window, &MainWindow::editRequested, this, [this](qint64 id) { openEdit(id); });
    connect(m_window, &MainWindow::accountsRequested, this, [this] { openAccounts(); });
    connect(m_window, &MainWindow::quitRequested, this, &DesktopApp::requestQuit);
    connect(m_window, &MainWindow::fixAccountRequested, this, &DesktopApp::fixAccount);
    connect(m_window, &MainWindow::hiddenToTray, this, [this] {
        if (!m_toldAboutTray) {
            m_toldAboutTray = true;
            m_tray->showInfo(
                tr("Outpost is still running"),
                tr("Queued messages keep going out from here. Use Quit in this menu to stop."));
        }
    });
    connect(m_tray, &TrayController::showRequested, this, &DesktopApp::activate);
    connect(m_tray, &TrayController::toggleRequested, this, &DesktopApp::toggleWindow);
    connect(m_tray, &TrayController::composeRequested, this, [this] { openCompose(); });
    connect(m_tray, &TrayController::notificationClicked, this, [this] {
        if (m_lastNotice && m_lastNotice->kind == Notice::Kind::AccountPaused)
            fixAccount(m_lastNotice->account);
        else
            activate();
    });
    connect(service, &Service::notice, this, &DesktopApp::onNotice);
    // Opened only thanks to the reserve: the disk is full, and the window says so at once.
    m_window->setDiskFull(service->storageProblem());
    qApp->installEventFilter(this);
}

bool DesktopApp::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Quit && watched == qApp)
        prepareForQuit();
    return QObject::eventFilter(watched, event);
}

void DesktopApp::prepareForQuit()
{
    m_window->setQuitting(true);
    for (ComposeWindow *w : composeWindows())
        w->keepForQuit();
}

DesktopApp::~DesktopApp()
{
    for (const auto &w : std::as_const(m_compose))
        delete w.data();
    for (const auto &d : std::as_const(m_certificates))
        delete d.data();
    delete m_accounts.data();
    delete m_tray;
    m_tray = nullptr;
    delete m_window;
}

void DesktopApp::start(bool minimized)
{
    const bool tray = m_tray->show();
    m_window->setCloseToTray(tray);
    if (!minimized || !tray)
        activate();
    // The first start: nothing can be sent before an account exists, so its setup comes first
    // (the accounts dialog opens on its "Add account" screens when there is none).
    if (m_window->isVisible() && m_service->accounts()->list().isEmpty())
        openAccounts();
}

ComposeWindow *DesktopApp::openCompose(const QUrl &mailto)
{
    auto *w = new ComposeWindow(m_service);
    m_compose.removeAll(nullptr);
    m_compose << w;
    connect(w, &ComposeWindow::accountsRequested, this, [this] { openAccounts(); });
    connect(w, &ComposeWindow::queued, this, [this](qint64 id) {
        const auto stored = m_service->outbox()->summary(id);
        m_window->statusBar()->showMessage(
            stored ? Words::stored(*stored, QDateTime::currentDateTimeUtc())
                   : tr("Message %1 is in the outbox.").arg(id),
            5000);
    });
    if (!mailto.isEmpty())
        w->applyMailto(parseMailto(mailto));
    w->show();
    w->raise();
    w->activateWindow();
    return w;
}

ComposeWindow *DesktopApp::openEdit(qint64 id)
{
    for (ComposeWindow *w : composeWindows()) {
        if (w->editingId() == id) {
            w->show();
            w->raise();
            w->activateWindow();
            return w;
        }
    }
    const auto before = m_service->outbox()->summary(id);
    if (!before || before->state == MessageState::Sending || before->state == MessageState::Sent) {
        refuseEdit(before ? std::optional<MessageState>(before->state) : std::nullopt, {});
        return nullptr;
    }
    // Read here; taken back to draft by the storage. Should the dispatcher claim it in
    // between, the window closes again and says why.
    const Service::EditableMessage e = m_service->readForEditing(id);
    QPointer<ComposeWindow> w;
    if (e.ok()) {
        w = openCompose();
        w->loadMessage(e);
    }
    m_service->takeBackToDraft(id, this, [this, id, w, e](bool ok, const QString &error) {
        if (ok && e.ok())
            return;
        if (w)
            w->discard();
        const auto now = m_service->outbox()->summary(id);
        refuseEdit(now ? std::optional<MessageState>(now->state) : std::nullopt,
                   ok ? e.error : error);
    });
    return w;
}

void DesktopApp::refuseEdit(std::optional<MessageState> state, const QString &error)
{
    QString why;
    if (state == MessageState::Sending)
        why = tr("This message is being sent right now, so it cannot be changed. If the "
                 "server does not take it, you can edit it afterwards.");
    else if (state == MessageState::Sent)
        why = tr("This message has been sent already.");
    else if (!state)
        why = tr("This message is no longer in the outbox.");
    else
        why = tr("The message could not be opened for editing (%1). It is kept as a draft.")
                  .arg(error);
    auto *box =
        new QMessageBox(QMessageBox::Warning, tr("Edit message"), why, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("editRefused"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QList<ComposeWindow *> DesktopApp::composeWindows() const
{
    QList<ComposeWindow *> out;
    for (const auto &w : m_compose) {
        if (w)
            out << w.data();
    }
    return out;
}

CertificateDialog *DesktopApp::certificateDialog(const QString &account) const
{
    return m_certificates.value(account).data();
}

void DesktopApp::activate()
{
    if (m_window->isMinimized())
        m_window->setWindowState(m_window->windowState() & ~Qt::WindowMinimized);
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void DesktopApp::toggleWindow()
{
    if (m_window->isVisible() && m_window->isActiveWindow())
        m_window->hide();
    else
        activate();
}

AccountDialog *DesktopApp::accountsDialog() const
{
    return m_accounts;
}

AccountDialog *DesktopApp::openAccounts(const QString &account)
{
    if (!m_accounts) {
        m_accounts = new AccountDialog(m_service, m_window);
        m_accounts->setAttribute(Qt::WA_DeleteOnClose);
    }
    if (!account.isEmpty())
        m_accounts->selectAccount(account);
    m_accounts->show();
    m_accounts->raise();
    m_accounts->activateWindow();
    return m_accounts;
}

void DesktopApp::onNotice(const Notice &notice)
{
    m_lastNotice = notice;
    if (notice.kind == Notice::Kind::DiskFull)
        m_window->setDiskFull(notice.storage);
    if (notice.kind == Notice::Kind::AccountPaused) {
        m_pauses.insert(notice.account, notice);
        m_window->setPauseReason(notice);
    }
    if (!m_tray->notify(notice)) {
        // No tray to show it: the status bar says it, and the window comes forward for a pause.
        m_window->statusBar()->showMessage(
            Words::noticeTitle(notice) + QLatin1String(": ") + Words::noticeText(notice), 15000);
    }
    if (notice.kind == Notice::Kind::AccountPaused &&
        notice.result.errorClass == ErrorClass::Certificate)
        showCertificate(notice);
}

void DesktopApp::fixAccount(const QString &account)
{
    const auto it = m_pauses.constFind(account);
    if (it != m_pauses.constEnd() && it->result.errorClass == ErrorClass::Certificate &&
        !it->result.certificateChainPem.isEmpty()) {
        showCertificate(*it);
        return;
    }
    AccountDialog *dlg = openAccounts(account);
    // "Sign in again": straight to the provider's page, as the banner's button says.
    const bool signIn = it != m_pauses.constEnd() ? it->result.errorClass == ErrorClass::SignIn
                                                  : m_service->accounts()->pauseClass(account) ==
                                                        errorClassName(ErrorClass::SignIn);
    if (signIn && m_service->accounts()->isPaused(account))
        dlg->signIn();
}

void DesktopApp::showCertificate(const Notice &notice)
{
    QPointer<CertificateDialog> &slot = m_certificates[notice.account];
    if (slot)
        slot->close();
    slot = new CertificateDialog(m_service, notice);
    slot->setAttribute(Qt::WA_DeleteOnClose);
    slot->show();
    slot->raise();
    slot->activateWindow();
}

void DesktopApp::requestQuit()
{
    QList<ComposeWindow *> unsaved;
    for (ComposeWindow *w : composeWindows()) {
        if (w->isModified())
            unsaved << w;
    }
    if (unsaved.isEmpty() || m_quitConfirmed) {
        prepareForQuit();
        emit quitRequested();
        return;
    }
    ComposeWindow *w = unsaved.first();
    w->show();
    w->raise();
    w->activateWindow();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Quit Outpost"),
                                tr("%n message(s) you are writing have not been sent. They are "
                                   "kept as drafts where they can be. Quit now?",
                                   nullptr, int(unsaved.size())),
                                QMessageBox::Yes | QMessageBox::No, w);
    box->setObjectName(QStringLiteral("quitUnsavedQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::No);
    connect(box, &QMessageBox::finished, this, [this, box](int) {
        if (box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        m_quitConfirmed = true;
        requestQuit();
    });
    box->open();
}

} // namespace outpost::ui
