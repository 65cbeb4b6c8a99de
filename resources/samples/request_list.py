"""The demo SOC 2 Type II request list's content: categories, criteria and request wording, in list order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIRM = "Northbridge Assurance LLP"
CLIENT = "Acme Cloud, Inc."
PERIOD_START = dt.date(2026, 1, 1)
PERIOD_END = dt.date(2026, 6, 30)
ISSUED = dt.date(2026, 11, 2)
AS_OF = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    due: dt.date


@dataclass(frozen=True)
class RequestItem:
    """One request before numbering; `key` lets evidence and cross-references find its ref."""

    key: str
    category: Category
    criteria: str
    text: str


# Entity-level documents come first in fieldwork, so their waves fall before the demo's "today".
CC1 = Category("CC1", "CC1 – Control Environment", dt.date(2026, 11, 13))
CC2 = Category("CC2", "CC2 – Communication and Information", dt.date(2026, 11, 13))
CC3 = Category("CC3", "CC3 – Risk Assessment", dt.date(2026, 11, 13))
CC4 = Category("CC4", "CC4 – Monitoring Activities", dt.date(2026, 11, 20))
CC5 = Category("CC5", "CC5 – Control Activities", dt.date(2026, 11, 20))
CC6 = Category("CC6", "CC6 – Logical and Physical Access Controls", dt.date(2026, 12, 4))
CC7 = Category("CC7", "CC7 – System Operations", dt.date(2026, 12, 4))
CC8 = Category("CC8", "CC8 – Change Management", dt.date(2026, 12, 11))
CC9 = Category("CC9", "CC9 – Risk Mitigation", dt.date(2026, 12, 11))
A1 = Category("A1", "A1 – Availability", dt.date(2026, 12, 11))
C1 = Category("C1", "C1 – Confidentiality", dt.date(2026, 12, 18))

# Texts may cite another request as {key}; make_samples replaces it with that request's ref.
_RAW: tuple[tuple[Category, str, str, str], ...] = (
    (
        CC1,
        "org_chart",
        "CC1.3",
        "Provide the current organizational chart showing reporting lines for all personnel, including the "
        "executive team and the individuals responsible for information security and compliance.",
    ),
    (
        CC1,
        "board_minutes",
        "CC1.2, CC1.3",
        "Provide minutes of Board of Directors meetings (and any Audit or Risk Committee meetings) held "
        "during the audit period, including evidence that information security, risk and compliance matters "
        "were discussed.",
    ),
    (
        CC1,
        "board_charter",
        "CC1.2",
        "Provide the Board of Directors charter or bylaws describing the board's oversight responsibilities "
        "and its independence from management.",
    ),
    (
        CC1,
        "code_of_conduct",
        "CC1.1",
        "Provide the Code of Conduct / Code of Ethics in effect during the audit period, including the date "
        "of its last review and approval.",
    ),
    (
        CC1,
        "coc_ack",
        "CC1.1\nCC1.5",
        "For the sample of new hires selected by Northbridge from {new_hires}, provide evidence of signed "
        "acknowledgement of the Code of Conduct and the Acceptable Use Policy within 30 days of the start "
        "date.",
    ),
    (
        CC1,
        "job_descriptions",
        "CC1.3, CC1.4",
        "Provide job descriptions for key roles with security responsibilities (e.g., CTO, Head of Security, "
        "DevOps Engineer, IT Administrator).",
    ),
    (
        CC1,
        "new_hires",
        "CC1.4",
        "Provide a system-generated listing of all employees and contractors hired during the audit period, "
        "including name, title, department, start date and employment type.\nPlease include the report "
        "parameters or query used to generate the listing.",
    ),
    (
        CC1,
        "background_checks",
        "CC1.4",
        "For the sample of new hires selected from {new_hires}, provide evidence that background checks were "
        "completed prior to, or within 30 days of, the start date, in accordance with local law.",
    ),
    (
        CC1,
        "performance_reviews",
        "CC1.5",
        "Provide evidence that annual performance evaluations were completed for a sample of employees "
        "(sample to be selected from the active employee listing), including review of security "
        "responsibilities where applicable.",
    ),
    (
        CC1,
        "training",
        "CC1.4, CC2.2",
        "Provide the security awareness training content used during the audit period and a completion "
        "report showing, for each active employee, the date training was completed.",
    ),
    (
        CC1,
        "discipline",
        "CC1.5",
        "Provide the disciplinary / sanctions policy and a listing of disciplinary actions taken for policy "
        "violations during the audit period (a statement of nil is acceptable).",
    ),
    (
        CC1,
        "employee_handbook",
        "CC1.1; CC1.4",
        "Provide the Employee Handbook in effect during the audit period and evidence of its distribution to "
        "employees.",
    ),
    (
        CC2,
        "system_description",
        "CC2.2, CC2.3",
        "Provide the draft System Description (Section III of the report) describing the services in scope, "
        "infrastructure, software, people, data, processes and procedures, complementary user entity "
        "controls and subservice organizations.",
    ),
    (
        CC2,
        "network_diagram",
        "CC2.1",
        "Provide a current network / architecture diagram of the in-scope production environment, including "
        "data flows, trust boundaries and third-party services (e.g., AWS, Okta, GitHub).",
    ),
    (
        CC2,
        "data_flow",
        "CC2.1",
        "Provide data flow diagrams showing how customer data is received, processed, stored and transmitted "
        "within the Acme Cloud platform.",
    ),
    (
        CC2,
        "policy_comm",
        "CC2.2",
        "Provide evidence of how information security policies are communicated to employees (e.g., intranet "
        "page, onboarding checklist, annual policy attestation).",
    ),
    (
        CC2,
        "external_comm",
        "CC2.3",
        "Provide examples of communications to customers regarding system commitments and changes, e.g.:\n"
        "- Terms of Service / Master Subscription Agreement template\n- Service Level Agreement\n"
        "- status page and release notes",
    ),
    (
        CC2,
        "whistleblower",
        "CC2.2, CC2.3",
        "Provide evidence of the anonymous reporting (whistleblower) channel available to employees and "
        "external parties, and a listing of reports received during the audit period, if any.",
    ),
    (
        CC2,
        "customer_support",
        "CC2.3",
        "Provide the customer support / security contact procedure and evidence that customers are informed "
        "how to report incidents, complaints and security concerns (e.g., security.txt, help center "
        "article).",
    ),
    (
        CC2,
        "security_meetings",
        "CC2.2; CC4.1",
        "Provide minutes or agendas of the security and compliance committee meetings held during the audit "
        "period.",
    ),
    (
        CC3,
        "objectives",
        "CC3.1",
        "Provide documentation of the entity's security and availability objectives (e.g., OKRs, security "
        "program roadmap) used as the basis for the risk assessment.",
    ),
    (
        CC3,
        "risk_policy",
        "CC3.1",
        "Provide the Risk Management Policy / methodology, including risk scoring criteria and risk "
        "acceptance thresholds.",
    ),
    (
        CC3,
        "risk_assessment",
        "CC3.1, CC3.2",
        "Provide the most recent annual risk assessment, including the risk register, identified threats, "
        "likelihood and impact ratings, risk owners and treatment plans.",
    ),
    (
        CC3,
        "fraud_risk",
        "CC3.3",
        "Provide evidence that the risk assessment considered the potential for fraud (e.g., fraud section "
        "of the risk register, discussion in management meeting minutes).",
    ),
    (
        CC3,
        "change_risk",
        "CC3.4",
        "Provide evidence that significant changes (new products, new vendors, changes in leadership, "
        "regulatory changes) were identified and assessed for risk during the audit period.",
    ),
    (
        CC3,
        "risk_approval",
        "CC3.2",
        "Provide evidence of management review and approval of the risk assessment and the risk treatment "
        "plan (e.g., sign-off, meeting minutes, ticket).",
    ),
    (
        CC3,
        "asset_inventory",
        "CC3.2, CC6.1",
        "Provide the current inventory of information assets (production systems, databases, endpoints) with "
        "asset owners and data classification.",
    ),
    (
        CC3,
        "threat_model",
        "CC3.2",
        "Provide any threat modelling or security design review performed for significant system changes "
        "during the audit period.",
    ),
    (
        CC4,
        "internal_audit",
        "CC4.1",
        "Provide evidence of internal control monitoring performed during the audit period (e.g., internal "
        "audit reports, compliance automation dashboards, control self-assessments).",
    ),
    (
        CC4,
        "pentest",
        "CC4.1, CC7.1",
        "Provide the report of the most recent external penetration test performed by an independent third "
        "party, and evidence of remediation of high and critical findings.",
    ),
    (
        CC4,
        "deficiency_tracking",
        "CC4.2",
        "Provide the listing of control deficiencies or audit findings identified during the audit period "
        "and evidence of their communication to management and remediation status.",
    ),
    (
        CC4,
        "prior_report",
        "CC4.2",
        "Provide management's response and remediation evidence for exceptions noted in the prior SOC 2 "
        "report (if applicable).",
    ),
    (
        CC4,
        "compliance_tool",
        "CC4.1",
        "Provide screenshots of the compliance monitoring tool showing the automated tests configured and "
        "their status as of 30 June 2026.",
    ),
    (
        CC4,
        "mgmt_review",
        "CC4.1; CC4.2",
        "Provide evidence of quarterly management review of security metrics (e.g., KPI reports presented to "
        "the leadership team).",
    ),
    (
        CC5,
        "policy_set",
        "CC5.3",
        "Provide the complete set of information security policies in effect during the audit period, with "
        "version history, owner and evidence of annual review and approval:\n"
        "a) Information Security Policy\nb) Access Control Policy\nc) Change Management Policy\n"
        "d) Incident Response Plan\ne) Business Continuity / Disaster Recovery Plan\n"
        "f) Data Classification and Retention Policy\ng) Vendor Management Policy",
    ),
    (
        CC5,
        "policy_approval",
        "CC5.3, CC1.2",
        "Provide evidence of approval of the Information Security Policy by management (e.g., signed "
        "approval page, document management system approval record, ticket).",
    ),
    (
        CC5,
        "control_matrix",
        "CC5.1",
        "Provide the control matrix mapping controls to the Trust Services Criteria, with control owners.",
    ),
    (
        CC5,
        "sod",
        "CC5.1, CC5.2",
        "Provide documentation describing segregation of duties in the development and deployment process "
        "(e.g., developers cannot approve their own pull requests or deploy to production without approval).",
    ),
    (
        CC5,
        "tech_controls",
        "CC5.2",
        "Provide evidence of general IT controls over technology (e.g., infrastructure-as-code standards, "
        "hardened baseline images, configuration standards for cloud resources).",
    ),
    (
        CC5,
        "procedures",
        "CC5.3",
        "Provide operating procedures / runbooks for key operational processes (user provisioning, "
        "deployment, backup monitoring, on-call).",
    ),
    (
        CC5,
        "exception_process",
        "CC5.3",
        "Provide the policy exception process and the listing of policy exceptions granted during the audit "
        "period, with approvals and expiry dates.",
    ),
    (
        CC6,
        "access_policy",
        "CC6.1",
        "Provide the Access Control Policy and the user access provisioning and de-provisioning procedures.",
    ),
    (
        CC6,
        "user_listing",
        "CC6.1, CC6.2",
        "Provide system-generated listings of all users with access to the following in-scope systems, "
        "including user name, role/group, status, creation date and last login:\n• Okta (identity "
        "provider)\n• AWS (IAM users and SSO permission sets)\n• GitHub organization\n• Production "
        "PostgreSQL databases\nPlease include screenshots showing how each listing was generated.",
    ),
    (
        CC6,
        "privileged_users",
        "CC6.1, CC6.3",
        "Provide a listing of users with privileged / administrative access to production (AWS "
        "administrator, Okta super admin, GitHub organization owners, database superusers), with job titles.",
    ),
    (
        CC6,
        "new_user_sample",
        "CC6.2",
        "For the sample of new hires selected from {new_hires}, provide the access request and approval "
        "(ticket) for each system access granted, showing approval before access was provisioned.",
    ),
    (
        CC6,
        "terminations_population",
        "CC6.2, CC6.3",
        "Provide a system-generated listing of all employees and contractors terminated during the audit "
        "period, including termination date, from the HR system (BambooHR).",
    ),
    (
        CC6,
        "offboarding_sample",
        "CC6.2; CC6.3",
        "For the sample of terminated users selected from {terminations_population}, provide evidence that "
        "access to Okta, AWS, GitHub and other in-scope systems was revoked within 24 hours of the "
        "termination date (e.g., offboarding ticket, Okta system log deactivation event).",
    ),
    (
        CC6,
        "access_review",
        "CC6.2, CC6.3",
        "Provide evidence of the quarterly user access reviews performed during the audit period (Q1 and Q2 "
        "2026) for each in-scope system, including:\n1. the reviewer and the date of the review;\n"
        "2. the population reviewed;\n3. evidence that access changes identified were actioned.",
    ),
    (
        CC6,
        "role_changes",
        "CC6.3",
        "Provide a listing of employees who transferred roles during the audit period and, for a sample, "
        "evidence that access was modified in line with the new role.",
    ),
    (
        CC6,
        "mfa",
        "CC6.1",
        "Provide evidence that multi-factor authentication is enforced for: a) Okta (all users), b) AWS "
        "console access (root and IAM users), c) the GitHub organization, d) VPN / bastion access. "
        "Screenshots of configuration settings are acceptable.",
    ),
    (
        CC6,
        "password_policy",
        "CC6.1",
        "Provide screenshots of the password / authentication policy settings configured in Okta and AWS IAM "
        "(minimum length, complexity, lockout, session timeout).",
    ),
    (
        CC6,
        "root_account",
        "CC6.1, CC6.3",
        "Provide evidence that AWS root account credentials are protected (MFA enabled, no access keys, "
        "usage monitored through CloudTrail alerts).",
    ),
    (
        CC6,
        "service_accounts",
        "CC6.1",
        "Provide a listing of service accounts and API keys with access to production, their owners and "
        "evidence of key rotation.",
    ),
    (
        CC6,
        "encryption_rest",
        "CC6.1",
        "Provide evidence that customer data is encrypted at rest (RDS, S3, EBS volumes and backups), e.g., "
        "console screenshots or AWS Config rule results showing encryption enabled.",
    ),
    (
        CC6,
        "encryption_transit",
        "CC6.7",
        "Provide evidence that data in transit is encrypted using TLS 1.2 or higher for all external "
        "endpoints (e.g., load balancer security policy, SSL Labs report).",
    ),
    (
        CC6,
        "key_management",
        "CC6.1",
        "Provide the key management procedure and evidence of KMS key rotation settings for customer data "
        "encryption keys.",
    ),
    (
        CC6,
        "network_security",
        "CC6.6",
        "Provide the security group configuration of the production VPC showing restricted inbound access, "
        "and the last review of firewall rules performed during the audit period.",
    ),
    (
        CC6,
        "waf",
        "CC6.6",
        "Provide evidence of web application firewall (AWS WAF) and DDoS protection configuration for "
        "public-facing endpoints.",
    ),
    (
        CC6,
        "remote_access",
        "CC6.6",
        "Provide evidence that remote administrative access to production requires VPN or a bastion host "
        "with MFA, and that direct SSH/RDP from the internet is blocked.",
    ),
    (
        CC6,
        "endpoint",
        "CC6.8",
        "Provide evidence that endpoint protection (EDR / antivirus) is installed and active on all employee "
        "laptops, including the management console listing of devices and their status.",
    ),
    (
        CC6,
        "mdm",
        "CC6.8; CC6.7",
        "Provide evidence of device management (MDM) policies enforced on employee laptops: full-disk "
        "encryption, screen lock and OS updates.",
    ),
    (
        CC6,
        "physical_office",
        "CC6.4",
        "Provide evidence of physical access controls for the office (badge system listing, visitor log), or "
        "confirm that no in-scope systems are hosted on premises.",
    ),
    (
        CC6,
        "physical_aws",
        "CC6.4, CC6.5",
        "Provide the most recent SOC 2 Type II report of AWS (subservice organization) covering physical "
        "security of data centers, and management's review of the complementary user entity controls.",
    ),
    (
        CC6,
        "data_disposal",
        "CC6.5",
        "Provide the data retention and disposal procedure and evidence of disposal of customer data or "
        "equipment during the audit period (e.g., certificates of destruction, deletion tickets).",
    ),
    (
        CC6,
        "removable_media",
        "CC6.7",
        "Provide evidence of controls restricting the removal of data (e.g., DLP settings, USB storage "
        "restrictions enforced through MDM).",
    ),
    (
        CC7,
        "vuln_scan",
        "CC7.1",
        "Provide vulnerability scan reports (infrastructure and container images) for each month of the "
        "audit period, with the remediation tracking for critical and high vulnerabilities against the SLAs "
        "in the Vulnerability Management Policy.",
    ),
    (
        CC7,
        "vuln_policy",
        "CC7.1",
        "Provide the Vulnerability Management Policy, including remediation SLAs by severity.",
    ),
    (
        CC7,
        "config_monitoring",
        "CC7.1",
        "Provide evidence of configuration monitoring of the cloud environment (e.g., AWS Config rules, "
        "Security Hub standards) and of how deviations are alerted.",
    ),
    (
        CC7,
        "logging",
        "CC7.2",
        "Provide evidence that logging is enabled for in-scope systems (CloudTrail in all regions, VPC flow "
        "logs, application audit logs) and the log retention configuration.",
    ),
    (
        CC7,
        "siem_alerts",
        "CC7.2",
        "Provide a listing of security alerts configured in the monitoring tools (e.g., GuardDuty, Datadog) "
        "and evidence of alert routing to the on-call team.",
    ),
    (
        CC7,
        "alert_sample",
        "CC7.2; CC7.3",
        "For a sample of 5 security alerts selected by Northbridge from the alert history, provide evidence "
        "of investigation and resolution.",
    ),
    (
        CC7,
        "ids",
        "CC7.2",
        "Provide evidence of threat detection (e.g., Amazon GuardDuty enabled in all accounts and regions).",
    ),
    (
        CC7,
        "infra_change_alerts",
        "CC7.2",
        "Provide evidence of monitoring of infrastructure changes (e.g., CloudTrail alerts on IAM policy "
        "changes and security group modifications).",
    ),
    (
        CC7,
        "patching",
        "CC7.1",
        "Provide evidence of OS and container base image patching during the audit period (e.g., patch "
        "reports, automated image rebuild pipeline runs).",
    ),
    (
        CC7,
        "ir_plan",
        "CC7.3, CC7.4",
        "Provide the Incident Response Plan in effect during the audit period, including roles, severity "
        "definitions, escalation and communication procedures.",
    ),
    (
        CC7,
        "oncall",
        "CC7.3",
        "Provide the on-call schedule and escalation policy (e.g., PagerDuty) in effect during the audit "
        "period.",
    ),
    (
        CC7,
        "incident_list",
        "CC7.3, CC7.4, CC7.5",
        "Provide a listing of all security and availability incidents during the audit period, with "
        "severity, dates opened and closed, and root cause.\nA nil statement signed by management is "
        "acceptable if there were none.",
    ),
    (
        CC7,
        "incident_sample",
        "CC7.4",
        "For the sample of incidents selected from {incident_list}, provide the incident tickets, timeline, "
        "communications and post-mortem / root cause analysis.",
    ),
    (
        CC7,
        "ir_test",
        "CC7.4, CC7.5",
        "Provide evidence of the annual incident response tabletop exercise (agenda, participants, scenario, "
        "lessons learned and follow-up actions).",
    ),
    (
        CC7,
        "customer_notification",
        "CC7.4",
        "Provide evidence of customer notification for any incident that affected customer data or "
        "availability (if applicable).",
    ),
    (
        CC7,
        "incident_recovery",
        "CC7.5",
        "Provide evidence that systems affected by incidents were restored and that lessons learned resulted "
        "in changes to controls (e.g., follow-up tickets from post-mortems).",
    ),
    (
        CC8,
        "change_policy",
        "CC8.1",
        "Provide the Change Management Policy and the software development lifecycle (SDLC) procedure.",
    ),
    (
        CC8,
        "change_population",
        "CC8.1",
        "Provide a system-generated listing of all changes deployed to production during the audit period "
        "(merged pull requests to the main branch of in-scope repositories and infrastructure changes), "
        "including change ID, title, author, approver, merge date and deployment date.",
    ),
    (
        CC8,
        "change_sample",
        "CC8.1",
        "For the sample of 25 changes selected by Northbridge from {change_population}, provide evidence "
        "of:\n1. peer review and approval by someone other than the author;\n2. successful automated tests "
        "(CI) prior to merge;\n3. deployment through the CI/CD pipeline;\n4. QA / staging testing where "
        "applicable.",
    ),
    (
        CC8,
        "branch_protection",
        "CC8.1, CC5.2",
        "Provide screenshots of branch protection rules for in-scope repositories showing required reviews, "
        "required status checks and restrictions on who can push to main.",
    ),
    (
        CC8,
        "emergency_changes",
        "CC8.1",
        "Provide a listing of emergency changes made during the audit period and evidence of retrospective "
        "approval.",
    ),
    (
        CC8,
        "infra_changes",
        "CC8.1",
        "Provide evidence that infrastructure changes are made through infrastructure-as-code (Terraform) "
        "with peer review, and a sample of Terraform plan / apply records.",
    ),
    (
        CC8,
        "deploy_access",
        "CC8.1\nCC6.3",
        "Provide a listing of users able to deploy to production and evidence that developers do not have "
        "direct write access to production data.",
    ),
    (
        CC8,
        "env_separation",
        "CC8.1",
        "Provide evidence that development, staging and production environments are logically separated "
        "(separate AWS accounts, no production data in test environments).",
    ),
    (
        CC8,
        "secure_coding",
        "CC8.1",
        "Provide evidence of secure development practices: static code analysis (SAST), dependency scanning, "
        "and secure coding training for developers.",
    ),
    (
        CC9,
        "vendor_policy",
        "CC9.2",
        "Provide the Vendor Management Policy and the inventory of third-party vendors and subservice "
        "organizations, with their criticality rating.",
    ),
    (
        CC9,
        "vendor_reviews",
        "CC9.2",
        "For critical vendors (AWS, Okta, GitHub, Datadog, Stripe), provide evidence of the annual vendor "
        "security review performed during the audit period (e.g., review of SOC 2 reports, security "
        "questionnaires, bridge letters).",
    ),
    (
        CC9,
        "vendor_contracts",
        "CC9.2",
        "Provide contracts or data processing agreements with critical vendors containing security and "
        "confidentiality commitments.",
    ),
    (
        CC9,
        "new_vendors",
        "CC9.2",
        "Provide a listing of new vendors onboarded during the audit period and, for a sample, evidence of "
        "security due diligence prior to onboarding.",
    ),
    (
        CC9,
        "insurance",
        "CC9.1",
        "Provide the certificate of insurance for cyber liability coverage in effect during the audit "
        "period.",
    ),
    (
        CC9,
        "bcp",
        "CC9.1; A1.2",
        "Provide the Business Continuity Plan, including the business impact analysis and the recovery time "
        "and recovery point objectives (RTO / RPO).",
    ),
    (
        CC9,
        "bcp_test",
        "CC9.1, A1.3",
        "Provide evidence of the business continuity / disaster recovery test performed during the audit "
        "period, including results and lessons learned.",
    ),
    (
        CC9,
        "risk_mitigation",
        "CC9.1",
        "Provide evidence of mitigation activities for risks the risk assessment marked 'treat' (e.g., "
        "tickets or project plans showing implementation status).",
    ),
    (
        A1,
        "capacity",
        "A1.1",
        "Provide evidence of capacity monitoring (CPU, memory, storage, database connections) and alert "
        "thresholds for production systems, and of capacity planning reviews.",
    ),
    (
        A1,
        "high_availability",
        "A1.1",
        "Provide evidence of auto-scaling and high-availability configuration (multi-AZ RDS, ECS services "
        "spread across availability zones).",
    ),
    (
        A1,
        "backup_config",
        "A1.2",
        "Provide the backup policy and screenshots of the backup configuration for production databases and "
        "file storage (frequency, retention, encryption, cross-region copy).",
    ),
    (
        A1,
        "backup_monitoring",
        "A1.2",
        "Provide evidence that backup jobs are monitored and that failed backups are investigated (e.g., "
        "backup job history, alerts, tickets).",
    ),
    (
        A1,
        "restore_test",
        "A1.3",
        "Provide evidence of the backup restoration test performed during the audit period, including date, "
        "systems restored, data integrity validation and outcome.",
    ),
    (
        A1,
        "uptime",
        "A1.1; A1.2",
        "Provide uptime / availability reports for the audit period against the SLA committed to customers "
        "(e.g., status page history).",
    ),
    (
        A1,
        "environmental",
        "A1.2",
        "Provide the hosting provider's report covering environmental protections (power, fire suppression, "
        "HVAC), or confirm reliance on the AWS SOC 2 report requested in {physical_aws}.",
    ),
    (
        A1,
        "dr_plan",
        "A1.2, A1.3",
        "Provide the Disaster Recovery Plan, including failover procedures to the secondary region and roles "
        "and responsibilities.",
    ),
    (
        C1,
        "data_classification",
        "C1.1",
        "Provide the Data Classification Policy and evidence of how confidential information is identified "
        "and labelled.",
    ),
    (
        C1,
        "confidential_inventory",
        "C1.1",
        "Provide an inventory of systems storing confidential information (customer data, PII, credentials) "
        "and the controls protecting each.",
    ),
    (
        C1,
        "nda",
        "C1.1",
        "Provide evidence that employees and contractors sign confidentiality / non-disclosure agreements, "
        "for the sample of new hires selected from {new_hires}.",
    ),
    (
        C1,
        "retention",
        "C1.2",
        "Provide the data retention schedule and evidence that confidential information is deleted after the "
        "retention period or upon customer request (e.g., deletion tickets, purge job logs).",
    ),
    (
        C1,
        "customer_deletion",
        "C1.2",
        "Provide a listing of customer data deletion requests received during the audit period and, for a "
        "sample, evidence of deletion within the contractual timeframe.",
    ),
    (
        C1,
        "test_data",
        "C1.1; CC8.1",
        "Provide evidence that production customer data is not used in development or test environments, or "
        "that it is masked / anonymized when used.",
    ),
)

REQUESTS: tuple[RequestItem, ...] = tuple(
    RequestItem(key=key, category=category, criteria=criteria, text=text)
    for category, key, criteria, text in _RAW
)


def ref_for_index(index: int) -> str:
    """The auditor's numbering: PBC-001 for the first request."""
    return f"PBC-{index + 1:03d}"


REFS: dict[str, str] = {item.key: ref_for_index(i) for i, item in enumerate(REQUESTS)}


def request_text(item: RequestItem) -> str:
    """The request wording with cross-references turned into refs."""
    return item.text.format_map(REFS)
