#include "MainWindow.h"

#include "Autostart.h"
#include "DetailsDialog.h"
#include "Icons.h"
#include "SharedWords.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "outbox/Connectivity.h"
#include "outbox/Dispatcher.h"
#include "outbox/Service.h"
#include "smtp/Transport.h"
#include "storage/Storage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMetaEnum>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <utility>

namespace outpost::ui {

namespace {
bool isEml(const QUrl &u)
{
    return u.isLocalFile() && u.toLocalFile().endsWith(QLatin1String(".eml"), Qt::CaseInsensitive);
}
} // namespace

MainWindow::MainWindow(Service *service, QWidget *parent)
    : QMainWindow(parent)
    , m_service(service)
    , m_model(new OutboxModel(service->outbox(), this))
    , m_table(new QTableView(this))
    , m_log(new QPlainTextEdit(this))
    , m_filter(new QComboBox(this))
    , m_diskFull(new QLabel(this))
    , m_search(new QLineEdit(this))
    , m_banner(new QWidget(this))
    , m_bannerText(new QLabel(m_banner))
    , m_bannerFix(new QPushButton(tr("&Fix…"), m_banner))
    , m_bannerResume(new QPushButton(tr("Res&ume"), m_banner))
    , m_connectivityLabel(new QLabel(this))
    , m_poolLabel(new QLabel(this))
    , m_countsLabel(new QLabel(this))
{
    setWindowTitle(tr("Outpost"));
    setWindowIcon(Icons::app());
    setAcceptDrops(true);
    resize(1140, 640);

    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("outboxTable"));
    m_table->setAccessibleName(tr("Outbox"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setSortingEnabled(false);
    m_table->verticalHeader()->setVisible(false);
    // Fixed row heights: no per-row size queries, so 100 000 rows stay fast.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    // At the window's first size every column is on screen, the Outcome and the server's reply
    // (which takes the rest) included: what happened must not need a scroll to the right.
    m_table->setColumnWidth(OutboxModel::StateColumn, 100);
    m_table->setColumnWidth(OutboxModel::RecipientsColumn, 160);
    m_table->setColumnWidth(OutboxModel::SubjectColumn, 200);
    m_table->setColumnWidth(OutboxModel::CreatedColumn, 95);
    m_table->setColumnWidth(OutboxModel::SentColumn, 95);
    m_table->setColumnWidth(OutboxModel::AttemptsColumn, 64);
    m_table->setColumnWidth(OutboxModel::NextAttemptColumn, 90);
    m_table->setColumnWidth(OutboxModel::OutcomeColumn, 170);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const auto s = m_model->summaryAt(index.row());
        if (s && s->state == MessageState::Draft)
            emit editRequested(s->id); // a draft opens for writing
        else
            showDetails();
    });

    // Banner for a full disk: what the user must act on, above the rest.
    {
        m_diskFull->setObjectName(QStringLiteral("diskFullBanner"));
        m_diskFull->setWordWrap(true);
        m_diskFull->setAutoFillBackground(true);
        m_diskFull->setMargin(8);
        QPalette pal = m_diskFull->palette();
        pal.setColor(QPalette::Window, QColor(0xfd, 0xe2, 0xe1));
        pal.setColor(QPalette::WindowText, QColor(0x6b, 0x0f, 0x0b));
        m_diskFull->setPalette(pal);
        m_diskFull->setVisible(false);
    }

    // Banner for paused accounts.
    {
        m_banner->setAutoFillBackground(true);
        QPalette pal = m_banner->palette();
        pal.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xd6));
        pal.setColor(QPalette::WindowText, QColor(0x5c, 0x40, 0x00));
        m_banner->setPalette(pal);
        auto *l = new QHBoxLayout(m_banner);
        auto *icon = new QLabel(m_banner);
        icon->setPixmap(Icons::tray(TrayState::Attention).pixmap(24, 24));
        l->addWidget(icon);
        m_bannerText->setWordWrap(true);
        m_bannerText->setObjectName(QStringLiteral("pauseBanner"));
        m_bannerFix->setObjectName(QStringLiteral("pauseBannerFix"));
        l->addWidget(m_bannerText, 1);
        l->addWidget(m_bannerFix);
        l->addWidget(m_bannerResume);
        m_bannerFix->setAccessibleName(tr("Fix the account"));
        m_bannerResume->setAccessibleName(tr("Resume sending"));
        m_banner->setVisible(false);
        connect(m_bannerFix, &QPushButton::clicked, this,
                [this] { emit fixAccountRequested(m_bannerAccount); });
        connect(m_bannerResume, &QPushButton::clicked, this,
                [this] { m_service->resumeAccount(m_bannerAccount); });
    }

    auto *central = new QWidget(this);
    auto *cl = new QVBoxLayout(central);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    cl->addWidget(m_diskFull);
    cl->addWidget(m_banner);
    cl->addWidget(m_table, 1);
    setCentralWidget(central);

    // Protocol log panel.
    m_log->setReadOnly(true);
    m_log->setObjectName(QStringLiteral("protocolLog"));
    m_log->setAccessibleName(tr("Protocol log"));
    m_log->setMaximumBlockCount(2000);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlainText(service->recentLog().join(QLatin1Char('\n')));
    // Appended in batches (every kLogBatchMs at most): one appendPlainText per protocol line
    // laid out the panel thousands of times during a flush of 1,000 messages.
    m_logTimer.setSingleShot(true);
    m_logTimer.setInterval(kLogBatchMs);
    connect(&m_logTimer, &QTimer::timeout, this, [this] {
        if (!m_pendingLog.isEmpty())
            m_log->appendPlainText(std::exchange(m_pendingLog, {}).join(QLatin1Char('\n')));
    });
    connect(service, &Service::logLine, this, [this](const QString &, const QString &line) {
        m_pendingLog << line;
        if (m_pendingLog.size() > 2000)
            m_pendingLog.remove(0, m_pendingLog.size() - 2000); // the panel keeps no more
        if (!m_logTimer.isActive())
            m_logTimer.start();
    });
    auto *dock = new QDockWidget(tr("Protocol log"), this);
    dock->setObjectName(QStringLiteral("protocolLogDock"));
    dock->setWidget(m_log);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    dock->hide();
    m_showLog = dock->toggleViewAction();
    m_showLog->setText(tr("&Protocol log"));
    m_showLog->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));

    m_filter->setAccessibleName(tr("Show"));
    m_filter->setToolTip(tr("Which messages to show"));
    m_filter->addItem(tr("All messages"), int(OutboxModel::Filter::All));
    m_filter->addItem(tr("Queued"), int(OutboxModel::Filter::Queued));
    m_filter->addItem(tr("Sent"), int(OutboxModel::Filter::Sent));
    m_filter->addItem(tr("Failed"), int(OutboxModel::Filter::Failed));
    m_filter->addItem(tr("Held"), int(OutboxModel::Filter::Held));
    m_filter->addItem(tr("Drafts"), int(OutboxModel::Filter::Drafts));
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int) {
        m_model->setFilter(OutboxModel::Filter(m_filter->currentData().toInt()));
        updateActions();
    });

    m_search->setObjectName(QStringLiteral("searchBox"));
    m_search->setPlaceholderText(tr("Search recipients and subject"));
    m_search->setAccessibleName(tr("Search"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(280);
    // Searched once typing pauses: one query per pause, not per key.
    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(kSearchDelayMs);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchTimer.start(); });
    connect(&m_searchTimer, &QTimer::timeout, this, [this] {
        m_model->setSearch(m_search->text());
        updateActions();
    });
    auto *findShortcut = new QAction(this);
    findShortcut->setShortcut(QKeySequence::Find);
    connect(findShortcut, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });
    addAction(findShortcut);

    createActions();
    createMenusAndToolbar();

    statusBar()->addWidget(m_connectivityLabel);
    statusBar()->addWidget(m_poolLabel);
    statusBar()->addPermanentWidget(m_countsLabel);
    m_connectivityLabel->setAccessibleName(tr("Connection"));
    m_poolLabel->setAccessibleName(tr("Server connections"));
    m_countsLabel->setAccessibleName(tr("Message counts"));

    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(150);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    connect(service->outbox(), &OutboxReader::messageChanged, this, &MainWindow::scheduleStatus);
    connect(service->outbox(), &OutboxReader::messagesReset, this, &MainWindow::scheduleStatus);
    connect(service->connectivity(), &Connectivity::changed, this, [this](bool) {
        const QSignalBlocker b(m_workOffline);
        m_workOffline->setChecked(m_service->connectivity()->workOffline());
        updateStatus();
    });
    connect(service->transport(), &Transport::poolChanged, this, &MainWindow::scheduleStatus);
    if (service->dispatcher())
        connect(service->dispatcher(), &Dispatcher::serverContactChanged, this,
                &MainWindow::scheduleStatus);
    connect(service->accounts(), &AccountStore::changed, this, &MainWindow::updateBanner);
    // An account change is shown at once and written by the storage thread afterwards: one that
    // could not be written was undone, and the user hears why.
    connect(service->accounts(), &AccountStore::writeFailed, this, [this](const QString &why) {
        showError(tr("Accounts"), tr("A change to the accounts could not be saved: %1").arg(why));
    });
    connect(service, &Service::enqueued, this,
            [this](quint64 ticket, qint64) { m_emlTickets.remove(ticket); });
    connect(service, &Service::enqueueFailed, this, [this](quint64 ticket, const QString &why) {
        if (m_emlTickets.remove(ticket))
            showError(tr("Queue messages"), why);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &tl, const QModelIndex &) {
                if (tl.column() != OutboxModel::CreatedColumn)
                    updateActions();
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateActions);

    updateStatus();
    updateBanner();
    updateActions();
}

void MainWindow::createActions()
{
    auto make = [this](const QString &text, const QKeySequence &key, QStyle::StandardPixmap pm,
                       const QString &tip) {
        auto *a = new QAction(style()->standardIcon(pm), text, this);
        if (!key.isEmpty())
            a->setShortcut(key);
        a->setToolTip(tip);
        a->setStatusTip(tip);
        return a;
    };
    m_newMessage =
        make(tr("&New message"), QKeySequence::New, QStyle::SP_FileIcon, tr("Write a new message"));
    m_newMessage->setIcon(Icons::app());
    m_replyToFile = make(tr("Reply to message &file…"), {}, QStyle::SP_FileDialogStart,
                         tr("Write a reply to a message saved as an .eml file"));
    m_sendNow = make(tr("&Send queued now"), QKeySequence(Qt::Key_F5), QStyle::SP_ArrowForward,
                     tr("Try every queued message now, without waiting for its retry time"));
    m_retry = make(tr("&Retry"), QKeySequence(Qt::CTRL | Qt::Key_R), QStyle::SP_BrowserReload,
                   tr("Try the selected messages again now"));
    m_hold = make(tr("&Hold"), QKeySequence(Qt::CTRL | Qt::Key_H), QStyle::SP_MediaPause,
                  tr("Keep the selected messages from being sent"));
    m_release = make(tr("Re&lease"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H),
                     QStyle::SP_MediaPlay, tr("Let held messages and drafts be sent"));
    m_delete = make(tr("&Delete"), QKeySequence::Delete, QStyle::SP_TrashIcon,
                    tr("Withdraw the selected messages not sent yet; sent messages stay as the "
                       "record of what was sent"));
    m_export = make(tr("&Export as .eml…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                    QStyle::SP_DialogSaveButton, tr("Save the selected message as an .eml file"));
    m_details =
        make(tr("De&tails…"), QKeySequence(Qt::CTRL | Qt::Key_I), QStyle::SP_FileDialogInfoView,
             tr("History and per-recipient results of the selected message"));
    m_edit = make(tr("&Edit (back to draft)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                  QStyle::SP_FileDialogDetailedView,
                  tr("Take the selected message out of sending and change it; it stays a draft "
                     "until you send it again"));
    m_startAtLogin = make(tr("Start at &login"), {}, QStyle::SP_ComputerIcon,
                          tr("Start Outpost in the tray when you log in"));
    m_startAtLogin->setCheckable(true);
    m_startAtLogin->setChecked(Autostart::isEnabled());
    m_workOffline = make(tr("&Work offline"), {}, QStyle::SP_MediaStop,
                         tr("Do not send anything until switched off"));
    m_workOffline->setCheckable(true);
    m_workOffline->setChecked(m_service->connectivity()->workOffline());
    m_workOffline->setIcon(Icons::tray(TrayState::Offline));
    m_accounts = make(tr("&Accounts…"), {}, QStyle::SP_DirHomeIcon,
                      tr("Add, change or remove sending accounts"));
    m_quit = make(tr("&Quit"), QKeySequence::Quit, QStyle::SP_DialogCloseButton,
                  tr("Close connections politely and quit Outpost"));
    m_quit->setMenuRole(QAction::QuitRole);

    connect(m_newMessage, &QAction::triggered, this, &MainWindow::composeRequested);
    connect(m_replyToFile, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Reply to message file"), {}, tr("E-mail messages (*.eml);;All files (*)"));
        if (!path.isEmpty())
            emit replyToFileRequested(path);
    });
    connect(m_sendNow, &QAction::triggered, this, [this] {
        m_service->flush();
        statusBar()->showMessage(tr("Sending queued messages now."), 4000);
    });
    connect(m_retry, &QAction::triggered, this,
            [this] { applyToSelection(Service::UserAction::Retry, tr("Retry")); });
    connect(m_hold, &QAction::triggered, this,
            [this] { applyToSelection(Service::UserAction::Hold, tr("Hold")); });
    connect(m_release, &QAction::triggered, this,
            [this] { applyToSelection(Service::UserAction::Release, tr("Release")); });
    connect(m_delete, &QAction::triggered, this, &MainWindow::deleteSelected);
    connect(m_export, &QAction::triggered, this, &MainWindow::exportSelected);
    connect(m_details, &QAction::triggered, this, &MainWindow::showDetails);
    connect(m_edit, &QAction::triggered, this, [this] {
        const QList<qint64> ids = selectedIds();
        if (ids.size() == 1)
            emit editRequested(ids.first());
    });
    connect(m_workOffline, &QAction::toggled, this,
            [this](bool on) { m_service->connectivity()->setWorkOffline(on); });
    connect(m_accounts, &QAction::triggered, this, &MainWindow::accountsRequested);
    connect(m_startAtLogin, &QAction::toggled, this, [this](bool on) {
        QString error;
        if (Autostart::setEnabled(on, &error)) {
            statusBar()->showMessage(on ? tr("Outpost will start in the tray when you log in.")
                                        : tr("Outpost will no longer start when you log in."),
                                     5000);
            return;
        }
        showError(tr("Start at login"), tr("The login item could not be changed: %1").arg(error));
        const QSignalBlocker block(m_startAtLogin);
        m_startAtLogin->setChecked(Autostart::isEnabled());
    });
    connect(m_quit, &QAction::triggered, this, &MainWindow::quitRequested);

    for (QAction *a : {m_details, m_edit, m_retry, m_hold, m_release, m_export, m_delete})
        m_table->addAction(a);
}

void MainWindow::createMenusAndToolbar()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newMessage);
    file->addAction(m_replyToFile);
    file->addAction(m_export);
    file->addSeparator();
    file->addAction(m_accounts);
    file->addAction(m_startAtLogin);
    file->addSeparator();
    file->addAction(m_quit);

    QMenu *msg = menuBar()->addMenu(tr("&Message"));
    msg->addAction(m_sendNow);
    msg->addSeparator();
    msg->addAction(m_retry);
    msg->addAction(m_hold);
    msg->addAction(m_release);
    msg->addAction(m_edit);
    msg->addAction(m_delete);
    msg->addSeparator();
    msg->addAction(m_details);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_showLog);
    view->addSeparator();
    view->addAction(m_workOffline);

    QToolBar *tb = addToolBar(tr("Outbox"));
    tb->setObjectName(QStringLiteral("mainToolbar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tb->addAction(m_newMessage);
    tb->addAction(m_sendNow);
    tb->addSeparator();
    tb->addAction(m_retry);
    tb->addAction(m_hold);
    tb->addAction(m_release);
    tb->addAction(m_delete);
    tb->addSeparator();
    auto *showLabel = new QLabel(tr(" Sh&ow: "), tb);
    showLabel->setBuddy(m_filter);
    tb->addWidget(showLabel);
    tb->addWidget(m_filter);
    tb->addWidget(m_search);
    tb->addSeparator();
    tb->addAction(m_workOffline);
}

QList<qint64> MainWindow::selectedIds() const
{
    QList<int> rows;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        rows << i.row();
    std::sort(rows.begin(), rows.end());
    QList<qint64> out;
    for (int r : rows) {
        if (qint64 id = m_model->idAt(r))
            out << id;
    }
    return out;
}

bool MainWindow::selectMessage(qint64 id)
{
    const int row = m_model->ensureRow(id);
    if (row < 0)
        return false;
    const QModelIndex idx = m_model->index(row, 0);
    m_table->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect |
                                                        QItemSelectionModel::Rows);
    m_table->scrollTo(idx);
    return true;
}

void MainWindow::setDiskFull(const StorageError &problem)
{
    if (!problem.isDiskFull()) {
        m_diskFull->clear();
        m_diskFull->setVisible(false);
        return;
    }
    m_diskFull->setText(words::diskFull(problem.freeBytes, words::Front::Window));
    m_diskFull->setVisible(true);
}

QString MainWindow::diskFullText() const
{
    return m_diskFull->isVisible() ? m_diskFull->text() : QString();
}

void MainWindow::deleteSelected()
{
    // A message not sent yet is withdrawn as by `outpost cancel` (OutboxWriter::cancel):
    // deleted, or kept as failed when some recipients already got it. A finished one (sent or
    // failed) is deleted wholly, record and history too, as by `outpost purge`; the question
    // names what goes.
    QList<qint64> withdraw, finished;
    int sent = 0, failed = 0;
    for (qint64 id : selectedIds()) {
        const auto s = m_service->outbox()->summary(id);
        if (!s || s->state == MessageState::Sending)
            continue;
        if (s->state == MessageState::Sent || s->state == MessageState::Failed) {
            finished << id;
            ++(s->state == MessageState::Sent ? sent : failed);
        } else {
            withdraw << id;
        }
    }
    if (withdraw.isEmpty() && finished.isEmpty())
        return;
    QStringList parts;
    parts << tr("Delete %n message(s) from the outbox? This cannot be undone.", nullptr,
                int(withdraw.size() + finished.size()));
    if (!withdraw.isEmpty())
        parts << tr("%n not sent yet will not be sent.", nullptr, int(withdraw.size()));
    if (sent > 0)
        parts << tr("%n sent message(s) go with their record of who got them and their history.",
                    nullptr, sent);
    if (failed > 0)
        parts << tr("%n failed message(s) go with their history.", nullptr, failed);
    auto *box =
        new QMessageBox(QMessageBox::Question, tr("Delete messages"), parts.join(QLatin1Char(' ')),
                        QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("deleteQuestion"));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, withdraw, finished](int) {
        if (box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        const auto report = [this](const Service::ActionReport &r) {
            if (r.kept > 0)
                statusBar()->showMessage(tr("%n message(s) kept as failed: some recipients "
                                            "already got them; the others were cancelled.",
                                            nullptr, r.kept),
                                         8000);
            if (r.storage.isDiskFull()) {
                // Not SQLite's words: the sentence, in the banner and here.
                setDiskFull(r.storage);
                showError(tr("Delete"), words::diskFull(r.storage.freeBytes, words::Front::Window));
                return;
            }
            QStringList errors;
            for (const auto &[id, why] : r.refused)
                errors << why;
            if (!errors.isEmpty())
                showError(tr("Delete"), errors.join(QLatin1Char('\n')));
        };
        if (!finished.isEmpty())
            m_service->act(Service::UserAction::Delete, finished, this, report);
        if (!withdraw.isEmpty())
            m_service->act(Service::UserAction::Cancel, withdraw, this, report);
    });
    box->open();
}

void MainWindow::updateActions()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    bool anyRetry = false, anyHold = false, anyRelease = false, anyDelete = false;
    // Look at the states of (at most) the first 200 selected rows; beyond that enable all.
    int looked = 0;
    for (const QModelIndex &i : rows) {
        if (++looked > 200) {
            anyRetry = anyHold = anyRelease = anyDelete = true;
            break;
        }
        const auto s = m_model->summaryAt(i.row());
        if (!s)
            continue;
        anyRetry |= s->state == MessageState::Queued || s->state == MessageState::Failed ||
                    s->state == MessageState::Held;
        anyHold |= s->state == MessageState::Queued || s->state == MessageState::Draft;
        anyRelease |= s->state == MessageState::Held || s->state == MessageState::Draft;
        // Withdraws what is not sent yet, deletes what is finished (see deleteSelected()).
        anyDelete |= s->state != MessageState::Sending;
    }
    m_retry->setEnabled(anyRetry);
    m_hold->setEnabled(anyHold);
    m_release->setEnabled(anyRelease);
    m_delete->setEnabled(anyDelete);
    m_export->setEnabled(rows.size() == 1);
    m_details->setEnabled(rows.size() == 1);
    bool editable = false;
    if (rows.size() == 1) {
        const auto s = m_model->summaryAt(rows.first().row());
        editable = s && s->state != MessageState::Sending && s->state != MessageState::Sent;
    }
    m_edit->setEnabled(editable);
}

void MainWindow::applyToSelection(Service::UserAction action, const QString &what)
{
    // Written by the storage; the report comes back once it is done.
    m_service->act(action, selectedIds(), this, [this, what](const Service::ActionReport &r) {
        QStringList errors;
        for (const auto &[id, why] : r.refused)
            errors << tr("Message %1: %2").arg(id).arg(why);
        if (!errors.isEmpty())
            showError(what, errors.join(QLatin1Char('\n')));
        else if (r.done)
            statusBar()->showMessage(tr("%1: %n message(s).", nullptr, r.done).arg(what), 4000);
        updateActions();
    });
}

bool MainWindow::exportMessage(qint64 id, const QString &path, QString *error)
{
    if (const auto s = m_service->outbox()->summary(id); s && !s->contentKept()) {
        *error = words::contentNeededButDropped(words::Front::Window);
        return false;
    }
    const QByteArray data = m_service->outbox()->messageData(id);
    if (data.isEmpty()) {
        *error = tr("The message is no longer in the outbox.");
        return false;
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        *error = f.errorString();
        return false;
    }
    return true;
}

void MainWindow::exportSelected()
{
    const QList<qint64> ids = selectedIds();
    if (ids.size() != 1)
        return;
    const auto s = m_service->outbox()->summary(ids.first());
    if (s && !s->contentKept()) // asked before a file name is chosen in vain
        return showError(tr("Export message"),
                         words::contentNeededButDropped(words::Front::Window));
    QString name = s && !s->subject.trimmed().isEmpty() ? s->subject.trimmed()
                                                        : tr("message-%1").arg(ids.first());
    static const QRegularExpression unsafe(QStringLiteral("[\\\\/:*?\"<>|\\x00-\\x1f]"));
    name.replace(unsafe, QStringLiteral("_"));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export message"), name + QLatin1String(".eml"), tr("E-mail messages (*.eml)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportMessage(ids.first(), path, &error))
        showError(tr("Export message"), tr("The message could not be saved: %1").arg(error));
    else
        statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 4000);
}

void MainWindow::showDetails()
{
    const QList<qint64> ids = selectedIds();
    if (ids.size() != 1)
        return;
    auto *dlg = new DetailsDialog(m_service, ids.first(), this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &DetailsDialog::exportRequested, this, &MainWindow::exportSelected);
    dlg->show();
}

void MainWindow::showError(const QString &title, const QString &text)
{
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

int MainWindow::enqueueEmlFiles(const QStringList &paths, QStringList *errors)
{
    QStringList problems;
    int queued = 0;
    const QString account = m_service->accounts()->defaultAccount();
    if (account.isEmpty()) {
        problems << tr("There is no account to send from yet. Add one under Accounts first.");
    } else {
        for (const QString &path : paths) {
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) {
                problems << tr("%1: %2").arg(QFileInfo(path).fileName(), f.errorString());
                continue;
            }
            // Read here, written by the storage's group commit (a failure to write comes back
            // as Service::enqueueFailed, which the app shows).
            QString why;
            if (const quint64 ticket = m_service->enqueueRawAsync(account, f.readAll(), &why)) {
                m_emlTickets.insert(ticket);
                ++queued;
            } else
                problems << tr("%1: %2").arg(QFileInfo(path).fileName(), why);
        }
    }
    if (!problems.isEmpty())
        showError(tr("Queue messages"), problems.join(QLatin1Char('\n')));
    if (queued)
        statusBar()->showMessage(tr("Queued %n message(s) for %1.", nullptr, queued).arg(account),
                                 5000);
    if (errors)
        *errors = problems;
    return queued;
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) {
        for (const QUrl &u : event->mimeData()->urls()) {
            if (isEml(u)) {
                event->acceptProposedAction();
                return;
            }
        }
    }
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &u : event->mimeData()->urls()) {
        if (isEml(u))
            paths << u.toLocalFile();
    }
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    enqueueEmlFiles(paths);
}

void MainWindow::scheduleStatus()
{
    if (!m_statusTimer.isActive())
        m_statusTimer.start();
}

QString MainWindow::connectivityText() const
{
    return m_connectivityLabel->text();
}

QString MainWindow::poolText() const
{
    return m_poolLabel->text();
}

QString MainWindow::countsText() const
{
    return m_countsLabel->text();
}

void MainWindow::updateStatus()
{
    Connectivity *c = m_service->connectivity();
    QString conn;
    if (c->workOffline()) {
        conn = tr("Working offline");
    } else {
        // The machine's network, then each account's server as its last attempt found it:
        // the network can be up while a server is down or blocked.
        QList<ServerContact> servers;
        const QList<ServerContact> all = m_service->dispatcher()
                                             ? m_service->dispatcher()->serverContacts()
                                             : QList<ServerContact>();
        for (const ServerContact &sc : all) {
            if (m_service->accounts()->find(sc.account))
                servers << sc;
        }
        const QString seen = Words::serversSeen(servers);
        switch (c->reachability()) {
        case Connectivity::Reachability::Online:
            conn = seen;
            break;
        case Connectivity::Reachability::Offline:
            conn = tr("Offline");
            break;
        case Connectivity::Reachability::Unknown:
            conn = servers.isEmpty() ? tr("Network: unknown") : seen;
            break;
        }
        QStringList tips;
        for (const ServerContact &sc : std::as_const(servers))
            tips << Words::serverSeen(sc);
        m_connectivityLabel->setToolTip(tips.join(QLatin1Char('\n')));
    }
    m_connectivityLabel->setText(conn);

    const QList<PoolSessionInfo> pool = m_service->transport()->poolState();
    int busy = 0;
    QStringList lines;
    for (const PoolSessionInfo &p : pool) {
        busy += p.busy ? 1 : 0;
        lines << tr("%1 (%2): %3, %n message(s) sent", nullptr, p.messagesSent)
                     .arg(p.server, p.account,
                          QString::fromLatin1(
                              QMetaEnum::fromType<SmtpSession::State>().valueToKey(int(p.state))));
    }
    m_poolLabel->setText(
        pool.isEmpty() ? tr("No server connections")
                       : tr("%n connection(s), %1 busy", nullptr, int(pool.size())).arg(busy));
    m_poolLabel->setToolTip(lines.join(QLatin1Char('\n')));

    const OutboxReader *st = m_service->outbox();
    const int queued = st->count(MessageState::Queued) + st->count(MessageState::Sending);
    const int held = st->count(MessageState::Held);
    const int failed = st->count(MessageState::Failed);
    const int sent = st->count(MessageState::Sent);
    m_countsLabel->setText(tr("Queued: %1  Held: %2  Failed: %3  Sent: %4")
                               .arg(queued)
                               .arg(held)
                               .arg(failed)
                               .arg(sent));
}

void MainWindow::setPauseReason(const Notice &notice)
{
    m_pauseReasons.insert(notice.account, notice);
    updateBanner();
}

void MainWindow::updateBanner()
{
    QStringList paused;
    for (const Account &a : m_service->accounts()->list()) {
        if (m_service->accounts()->isPaused(a.name))
            paused << a.name;
    }
    if (paused.isEmpty()) {
        m_banner->setVisible(false);
        m_bannerAccount.clear();
        return;
    }
    m_bannerAccount = paused.first();
    QString why;
    const auto it = m_pauseReasons.constFind(m_bannerAccount);
    // A pause from before this run (or from another process) has no notice here: its stored
    // class says whether the account needs a new sign-in.
    const bool signIn = it != m_pauseReasons.constEnd()
                            ? it->result.errorClass == ErrorClass::SignIn
                            : m_service->accounts()->pauseClass(m_bannerAccount) ==
                                  errorClassName(ErrorClass::SignIn);
    if (signIn && it == m_pauseReasons.constEnd())
        why = Words::errorClass(ErrorClass::SignIn);
    if (it != m_pauseReasons.constEnd()) {
        why = Words::errorClass(it->result.errorClass);
        const QString r = Words::reply(it->result.reply);
        if (!r.isEmpty())
            why += QLatin1Char(' ') + tr("The server said: %1").arg(r);
    }
    QString text =
        tr("Sending from the account %1 is paused; its messages are held.").arg(m_bannerAccount);
    if (!why.isEmpty())
        text += QLatin1Char(' ') + why;
    if (paused.size() > 1)
        text +=
            QLatin1Char(' ') + tr("(%n more account(s) paused)", nullptr, int(paused.size() - 1));
    m_bannerText->setText(text);
    const bool cert =
        it != m_pauseReasons.constEnd() && it->result.errorClass == ErrorClass::Certificate;
    const bool auth = it != m_pauseReasons.constEnd() && it->result.errorClass == ErrorClass::Auth;
    m_bannerFix->setText(signIn ? tr("Sign &in…")
                         : cert ? tr("Review &certificate…")
                         : auth ? tr("Enter &password…")
                                : tr("Edit &account…"));
    m_banner->setVisible(true);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_quitting) {
        event->accept();
        return;
    }
    if (m_closeToTray) {
        event->ignore();
        hide();
        emit hiddenToTray();
        return;
    }
    event->ignore();
    if (m_asking)
        return;
    m_asking = true;
    const int pending = m_service->outbox()->count(MessageState::Queued);
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Quit Outpost"),
        pending ? tr("Quit Outpost? %n queued message(s) will wait until you start it again.",
                     nullptr, pending)
                : tr("Quit Outpost?"),
        QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("quitQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::Yes);
    connect(box, &QMessageBox::finished, this, [this, box](int) {
        m_asking = false;
        if (box->standardButton(box->clickedButton()) == QMessageBox::Yes)
            emit quitRequested();
    });
    box->open();
}

} // namespace outpost::ui
