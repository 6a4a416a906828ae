import { Module } from '@nestjs/common';
import { OffboardingFaults } from './offboarding-faults';

/** The crash tests' fault points (a no-op in the app), shared by the engine and the steps module. */
@Module({ providers: [OffboardingFaults], exports: [OffboardingFaults] })
export class OffboardingFaultsModule {}
