"""Everything a request may use, built once per app by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import Permission, Policy, PolicyAccess
from app.events import EventBus, event_bus
from app.mail.mailer import MailComposer
from app.mail.templates import TemplateStore
from app.mail.transports import transport_for
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.security.tokens import TokenService
from app.services.access_items import (
    AccessItemsService,
    access_service,
    permissions_service,
    policies_service,
)
from app.services.access_me import AccessMeService
from app.services.account_flows import AccountFlows
from app.services.account_mail import AccountMail
from app.services.activity import ActivityService
from app.services.audit import AuditLog
from app.services.auth import AuthService
from app.services.authenticator import Authenticator
from app.services.files import FilesService
from app.services.login_drivers.ldap import LdapDirectories
from app.services.login_drivers.local import LocalPasswords
from app.services.login_guard import LoginGuard
from app.services.mail_queue import MailQueue
from app.services.passkey_login import PasskeyLogin
from app.services.passkeys import PasskeysService
from app.services.project_settings import ProjectSettingsService
from app.services.reauth import Reauthentication
from app.services.recovery_codes import RecoveryCodes
from app.services.roles import RolesService
from app.services.second_factor import SecondFactor
from app.services.server_info import ServerInfoService
from app.services.sessions import SessionsService
from app.services.sso import SsoService
from app.services.tfa import TfaService
from app.services.users import UsersService
from app.sso.config import sso_config_of


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    db: Database
    hasher: PasswordHasher
    tokens: TokenService
    authenticator: Authenticator
    auth: AuthService
    sessions: SessionsService
    users: UsersService
    roles: RolesService
    policies: AccessItemsService[Policy]
    access: AccessItemsService[PolicyAccess]
    permissions: AccessItemsService[Permission]
    access_me: AccessMeService
    files: FilesService
    project_settings: ProjectSettingsService
    server_info: ServerInfoService
    # The durable mail queue (its sender starts and stops with the app).
    mailer: MailQueue
    flows: AccountFlows
    tfa: TfaService
    audit: AuditLog
    events: EventBus
    activity: ActivityService
    rate_limits: RateLimits
    sso: SsoService
    passkeys: PasskeysService
    passkey_login: PasskeyLogin

    @classmethod
    def build(cls, settings: Settings, clock: Clock, db: Database) -> Services:
        hasher = PasswordHasher.from_settings(settings)
        tokens = TokenService(settings.secret, clock)
        roles = RolesService(db, settings, clock)
        audit = AuditLog(db, clock)
        events = event_bus(settings)
        rate_limits = RateLimits(settings)
        sso = sso_config_of(settings)
        guard = LoginGuard(db, settings, clock, audit)
        sessions = SessionsService(db, settings, clock, tokens, guard, audit, rate_limits)
        mailer = MailQueue(db, settings, clock, transport_for(settings), audit)
        composer = MailComposer(TemplateStore(settings.email_templates_path), settings.email_from)
        recovery = RecoveryCodes(db, settings.secret, clock, audit, composer, mailer)
        second_factor = SecondFactor(guard, clock, recovery)
        # The login drivers; AuthService and SsoService compose them with the second factor
        # and the sessions, so none of them is handed another service.
        local = LocalPasswords(hasher, guard, audit, disable_default=sso.disable_default)
        directories = LdapDirectories(sso, db, guard, audit)
        auth = AuthService(db, settings, rate_limits, local, directories, second_factor, sessions)
        reauth = Reauthentication(db, settings, clock, hasher, guard, rate_limits)
        project_settings = ProjectSettingsService(db, roles)
        users = UsersService(db, settings, clock, hasher, roles, audit, events, reauth)
        account_mail = AccountMail(settings, composer, mailer)
        policies = policies_service(db, settings, clock, audit=audit, events=events)
        access = access_service(db, settings, clock, audit=audit, events=events)
        permissions = permissions_service(db, settings, clock, audit=audit, events=events)
        policies.nest("permissions", permissions)
        policies.nest("users", access)
        policies.nest("roles", access)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            hasher=hasher,
            tokens=tokens,
            authenticator=Authenticator(db, tokens, clock, settings.session_refresh_grace_period),
            auth=auth,
            sessions=sessions,
            users=users,
            roles=roles,
            policies=policies,
            access=access,
            permissions=permissions,
            access_me=AccessMeService(db),
            files=FilesService(db, settings, clock),
            project_settings=project_settings,
            server_info=ServerInfoService(settings, project_settings),
            mailer=mailer,
            flows=AccountFlows(
                db, settings, clock, hasher, tokens, account_mail, audit, rate_limits
            ),
            tfa=TfaService(
                db, clock, hasher, audit, rate_limits, reauth, guard, users, recovery, directories
            ),
            audit=audit,
            events=events,
            activity=ActivityService(db, settings, clock),
            rate_limits=rate_limits,
            sso=SsoService(
                sso, settings, clock, db, tokens, audit, rate_limits, second_factor, sessions
            ),
            passkeys=PasskeysService(db, settings, clock, audit, reauth),
            passkey_login=PasskeyLogin(db, settings, clock, rate_limits, guard, audit, sessions),
        )
