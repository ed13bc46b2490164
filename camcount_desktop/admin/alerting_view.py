"""The Alert rules and targets window: list, add, edit and delete rules and notification targets,
send a test notification to a target (the notifier's direct mode: success, or the receiver's
exact refusal), and see and edit the site settings (time zone, SMTP server, limits, breaker)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.admin.alerting_controller import AlertingController, Refusal
from camcount_desktop.admin.edit_form import ConfigEditForm
from camcount_desktop.admin.form_fields import ERROR_STYLE
from camcount_desktop.admin.rule_form import KINDS, RuleForm
from camcount_desktop.admin.settings_form import SettingsForm, settings_rows
from camcount_desktop.admin.target_form import TargetForm
from camcount_desktop.alerts.view import SEVERITY_NAMES
from camcount_desktop.i18n import clock
from workers.contracts.alerting import AlertRule, EmailTarget, Target, WebhookTarget
from workers.contracts.notifications import SendResult, TargetStatus

F = TypeVar("F", bound=ConfigEditForm)

RULE_COLUMNS = (QT_TRANSLATE_NOOP("AlertingDialog", "Rule"), QT_TRANSLATE_NOOP("AlertingDialog", "Kind"),
                QT_TRANSLATE_NOOP("AlertingDialog", "Severity"),
                QT_TRANSLATE_NOOP("AlertingDialog", "Condition"),
                QT_TRANSLATE_NOOP("AlertingDialog", "Watches"), QT_TRANSLATE_NOOP("AlertingDialog", "Notify"),
                QT_TRANSLATE_NOOP("AlertingDialog", "Enabled"))
TARGET_COLUMNS = (QT_TRANSLATE_NOOP("AlertingDialog", "Target"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Channel"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Sends to"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Rate limit"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Secret"), QT_TRANSLATE_NOOP("AlertingDialog", "Test"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Last test"),
                  QT_TRANSLATE_NOOP("AlertingDialog", "Delivery"))
TEST_COLUMN, LAST_TEST_COLUMN, DELIVERY_COLUMN = 5, 6, 7
SETTINGS_COLUMNS = (QT_TRANSLATE_NOOP("AlertingDialog", "Setting"),
                    QT_TRANSLATE_NOOP("AlertingDialog", "Value"))


def delivery(state: TargetStatus | None) -> tuple[bool, str]:
    """(healthy, words) for a target's circuit breaker as the notifier reports it."""
    if state is None or state.breaker == "closed":
        if state and state.consecutive_failures:
            return False, QCoreApplication.translate(
                "AlertingDialog", "sending ({n} failed in a row)").format(n=state.consecutive_failures)
        return True, QCoreApplication.translate("AlertingDialog", "sending")
    why = f": {state.last_error}" if state.last_error else ""
    if state.breaker == "half_open":
        return False, QCoreApplication.translate("AlertingDialog",
                                                 "paused, probing with the next send") + why
    if state.open_until:
        return False, QCoreApplication.translate(
            "AlertingDialog", "paused until {time} after {n} failures").format(
                time=clock(state.open_until), n=state.consecutive_failures) + why
    return False, QCoreApplication.translate("AlertingDialog", "paused after {n} failures").format(
        n=state.consecutive_failures) + why


def condition(rule: AlertRule) -> str:
    d = rule.model_dump()
    parts = [f"> {d['above']}" if d.get("above") is not None else
             QCoreApplication.translate("AlertingDialog", "> the site's maximum")
             if "sites" in d else "",
             f"< {d['below']}" if d.get("below") is not None else "",
             f"+{d['min_growth']}" if "min_growth" in d else "",
             QCoreApplication.translate("AlertingDialog", "in {n} s").format(
                 n=f"{d['period_seconds']:g}") if "period_seconds" in d else "",
             QCoreApplication.translate("AlertingDialog", "for {n} s").format(
                 n=f"{d['for_seconds']:g}") if "for_seconds" in d else "",
             QCoreApplication.translate("AlertingDialog", "cooldown {n} s").format(
                 n=f"{rule.cooldown_seconds:g}")]
    return ", ".join(p for p in parts if p)


def watches(rule: AlertRule) -> str:
    d = rule.model_dump()
    names = {"cameras": QT_TRANSLATE_NOOP("AlertingDialog", "cameras"),
             "zones": QT_TRANSLATE_NOOP("AlertingDialog", "zones"),
             "lines": QT_TRANSLATE_NOOP("AlertingDialog", "lines"),
             "roles": QT_TRANSLATE_NOOP("AlertingDialog", "roles"),
             "queues": QT_TRANSLATE_NOOP("AlertingDialog", "queues"),
             "sites": QT_TRANSLATE_NOOP("AlertingDialog", "sites")}
    every = QCoreApplication.translate("AlertingDialog", "all")
    parts = [f"{QCoreApplication.translate('AlertingDialog', names[k])}: {', '.join(d[k]) or every}"
             for k in names if k in d]
    return "; ".join(parts)


def sends_to(target: Target) -> str:
    if isinstance(target, EmailTarget):
        return ", ".join([*target.recipients, *target.cc])
    return str(target.url)


def test_outcome(result: SendResult | Refusal) -> tuple[bool, str]:
    if isinstance(result, Refusal):
        return False, result.message
    code = f" ({'HTTP' if result.channel == 'webhook' else 'SMTP'} {result.status})" \
        if result.status is not None else ""
    if result.ok:
        return True, QCoreApplication.translate("AlertingDialog", "delivered{code} in {ms} ms").format(
            code=code, ms=f"{result.duration_ms:.0f}")
    return False, QCoreApplication.translate("AlertingDialog", "failed: {why}").format(
        why=result.error)


class AlertingDialog(QDialog):
    def __init__(self, controller: AlertingController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(self.tr("Alert rules and notification targets"))
        self.resize(1000, 520)
        self.rules = self._table(RULE_COLUMNS, stretch="Condition")
        self.targets = self._table(TARGET_COLUMNS, stretch="Sends to")
        self.add_rule_button = QPushButton(self.tr("Add rule…"))
        self.edit_rule_button = QPushButton(self.tr("Edit…"))
        self.delete_rule_button = QPushButton(self.tr("Delete"))
        self.add_target_button = QPushButton(self.tr("Add target…"))
        self.edit_target_button = QPushButton(self.tr("Edit…"))
        self.delete_target_button = QPushButton(self.tr("Delete"))
        self.settings = self._table(SETTINGS_COLUMNS, stretch="Value")
        self.edit_settings_button = QPushButton(self.tr("Edit settings…"))
        self.refresh_button = QPushButton(self.tr("Reload"))
        self.add_rule_button.clicked.connect(lambda: self.open_rule(None))
        self.edit_rule_button.clicked.connect(lambda: self.open_rule(self._selected_rule()))
        self.delete_rule_button.clicked.connect(self._delete_rule)
        self.add_target_button.clicked.connect(lambda: self.open_target(None))
        self.edit_target_button.clicked.connect(lambda: self.open_target(self._selected_target()))
        self.delete_target_button.clicked.connect(self._delete_target)
        self.edit_settings_button.clicked.connect(self.open_settings)
        self.refresh_button.clicked.connect(lambda: self._spawn(self.load()))
        self.rules.doubleClicked.connect(lambda _: self.open_rule(self._selected_rule()))
        self.targets.doubleClicked.connect(lambda _: self.open_target(self._selected_target()))
        self.settings.doubleClicked.connect(lambda _: self._open_settings_if_allowed())
        self.tabs = QTabWidget()
        self.tabs.addTab(self._page(self.rules, self.add_rule_button, self.edit_rule_button,
                                    self.delete_rule_button), self.tr("Rules"))
        self.tabs.addTab(self._page(self.targets, self.add_target_button,
                                    self.edit_target_button, self.delete_target_button), self.tr("Targets"))
        self.tabs.addTab(self._page(self.settings, self.edit_settings_button), self.tr("Site settings"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.version_label = QLabel()
        bottom = QHBoxLayout()
        bottom.addWidget(self.version_label)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.refresh_button)
        col = QVBoxLayout(self)
        col.addWidget(self.tabs)
        col.addLayout(bottom)
        #: the outcome of the last test per target: (ok, text)
        self.last_tests: dict[str, tuple[bool, str]] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        self.forms: list[QDialog] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.loaded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        controller.changed.connect(self.refresh)
        controller.access.changed.connect(self._sync_buttons)
        self.refresh()
        self._spawn(self.load())

    @staticmethod
    def _table(columns: tuple[str, ...], *, stretch: str) -> QTableWidget:
        """Columns as wide as what they show; ``stretch`` takes the rest (a short yes/no
        column at the end no longer gets the room its neighbours needed)."""
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(
            [QCoreApplication.translate("AlertingDialog", c) for c in columns])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(columns.index(stretch), QHeaderView.ResizeMode.Stretch)
        return table

    @staticmethod
    def _page(table: QTableWidget, *buttons: QPushButton) -> QWidget:
        page = QWidget()
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        col = QVBoxLayout(page)
        col.addLayout(row)
        col.addWidget(table)
        return page

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    async def load(self) -> None:
        error = await self.controller.load()
        if error is not None:
            self._say(error, error=True)
        if not self.loaded.done():
            self.loaded.set_result(None)

    # -- showing ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        config = self.controller.config
        rules = config.rules if config else []
        targets = config.targets if config else []
        self.rules.setRowCount(len(rules))
        for r, rule in enumerate(rules):
            for c, text in enumerate((rule.id, QCoreApplication.translate("RuleForm", KINDS[rule.kind]),
                                      QCoreApplication.translate("AlertsView",
                                                                 SEVERITY_NAMES[rule.severity]),
                                      condition(rule), watches(rule),
                                      ", ".join(rule.targets) or self.tr("nobody"),
                                      self.tr("yes") if rule.enabled else self.tr("no"))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.rules.setItem(r, c, item)
        self.targets.setRowCount(len(targets))
        self.test_buttons.clear()
        problems = self.controller.secret_problems
        for r, target in enumerate(targets):
            secret = target.secret if isinstance(target, WebhookTarget) else ""
            if secret in problems:
                secret += f" ⚠ {problems[secret]}"
            limit = str(target.rate_limit) if target.rate_limit else self.tr("none")
            for c, text in enumerate((target.id, target.channel, sends_to(target), limit, secret)):
                self.targets.setItem(r, c, QTableWidgetItem(text))
            button = QPushButton(self.tr("Send test notification"))
            button.clicked.connect(lambda _=False, t=target.id: self.send_test(t))
            self.targets.setCellWidget(r, TEST_COLUMN, button)
            self.test_buttons[target.id] = button
            ok, text = self.last_tests.get(target.id, (True, ""))
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if not ok:
                item.setForeground(QBrush(QColor("#ff6b6b")))
            self.targets.setItem(r, LAST_TEST_COLUMN, item)
            healthy, words = delivery(self.controller.delivery.get(target.id))
            state = QTableWidgetItem(words)
            state.setToolTip(words)
            if not healthy:
                state.setForeground(QBrush(QColor("#ff6b6b")))
            self.targets.setItem(r, DELIVERY_COLUMN, state)
        rows = settings_rows(config, problems) if config else []
        self.settings.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if "⚠" in text:
                    item.setForeground(QBrush(QColor("#ff6b6b")))
                self.settings.setItem(r, c, item)
        self.settings.resizeColumnToContents(0)
        self.version_label.setText(
            self.tr("version {version}, saved by {person}").format(
                version=self.controller.version, person=self.controller.saved_by)
            if self.controller.saved_by else
            self.tr("version {version}").format(version=self.controller.version))
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        access = self.controller.access
        allowed = access.allowed is not False
        loaded = self.controller.config is not None
        for b in (self.add_rule_button, self.edit_rule_button, self.delete_rule_button,
                  self.add_target_button, self.edit_target_button, self.delete_target_button,
                  self.edit_settings_button, *self.test_buttons.values()):
            b.setEnabled(allowed and loaded)
            b.setToolTip("" if allowed else access.reason)
        if not allowed:
            self._say(access.reason, error=True)

    # -- acting ---------------------------------------------------------------------------------
    def _selected_rule(self) -> AlertRule | None:
        config, row = self.controller.config, self.rules.currentRow()
        return config.rules[row] if config and 0 <= row < len(config.rules) else None

    def _selected_target(self) -> Target | None:
        config, row = self.controller.config, self.targets.currentRow()
        return config.targets[row] if config and 0 <= row < len(config.targets) else None

    def open_rule(self, rule: AlertRule | None) -> RuleForm:
        return self._open(RuleForm(self.controller, rule, self), self.tr("Rule"))

    def open_target(self, target: Target | None) -> TargetForm:
        return self._open(TargetForm(self.controller, target, self), self.tr("Target"))

    def open_settings(self) -> SettingsForm:
        return self._open(SettingsForm(self.controller, self), self.tr("Settings"))

    def _open(self, form: F, what: str) -> F:
        self.forms.append(form)
        form.accepted.connect(lambda: self._say(self.tr("{what} saved: version {version} is in "
                                                        "force").format(
            what=what, version=self.controller.version)))
        form.show()
        return form

    def _open_settings_if_allowed(self) -> None:
        if self.edit_settings_button.isEnabled():
            self.open_settings()

    def _delete_rule(self) -> None:
        if (rule := self._selected_rule()) is not None:
            self._spawn(self._done(self.controller.delete_rule(rule.id),
                                   self.tr("Rule {rule} deleted").format(rule=rule.id)))

    def _delete_target(self) -> None:
        if (target := self._selected_target()) is not None:
            self._spawn(self._done(self.controller.delete_target(target.id),
                                   self.tr("Target {target} deleted").format(target=target.id)))

    async def _done(self, edit: Coroutine[Any, Any, Refusal | None], success: str) -> None:
        refusal = await edit
        self._say(success if refusal is None else refusal.message, error=refusal is not None)

    def send_test(self, target_id: str) -> None:
        button = self.test_buttons.get(target_id)
        if button is not None:
            button.setEnabled(False)
            button.setText(self.tr("Sending…"))
        self._say(self.tr("Sending a test notification to {target}…").format(target=target_id))
        self._spawn(self._test(target_id))

    async def _test(self, target_id: str) -> None:
        ok, text = test_outcome(await self.controller.send_test(target_id))
        self.last_tests[target_id] = (ok, text)
        self._say(self.tr("Test to {target} {outcome}").format(target=target_id, outcome=text),
                  error=not ok)
        self.refresh()
