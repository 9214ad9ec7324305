/**
 * The administration area's screens, loaded together as one chunk the first time any of them is shown: they are
 * used together, and one chunk keeps the console's first load from carrying a file name and a preload list for each.
 */
export { AuditPage } from './audit/AuditPage';
export { EnrollmentTokensPage } from './devices/EnrollmentTokensPage';
export { DeviceGroupsPage } from './groups/DeviceGroupsPage';
export { OperatorGroupsPage } from './groups/OperatorGroupsPage';
export { MissingCapabilityPage } from './MissingCapabilityPage';
export { OperatorPage } from './operators/OperatorPage';
export { OperatorsPage } from './operators/OperatorsPage';
export { RecordingSettingsPage } from './recording/RecordingSettingsPage';
export { EffectiveRightsPage } from './rights/EffectiveRightsPage';
export { RightsPage } from './rights/RightsPage';
