import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsOptional, IsString, ValidateBy } from 'class-validator';
import { isEmail } from '../email';

/**
 * Field decorators for DTOs, beside class-validator's own. Every form field and query parameter is one string
 * (InputPipe refuses a field sent twice); a form DTO names the fields that are lists (checkbox groups).
 */

/** The one e-mail address rule (common/email.ts) for a DTO field. */
export const IsEmailAddress = (message = 'must be a valid email address') =>
  ValidateBy({ name: 'isEmailAddress', validator: { validate: (v) => isEmail(v), defaultMessage: () => message } });

/** A form field sent once, as text (absent is fine: the service says what is required). */
export const FormText = () => applyDecorators(IsOptional(), IsString({ message: 'errors.one_value' }));

/** A checkbox group: one or many values, handed on as an array (absent when none is ticked). */
export const FormList = (max = 1000) =>
  applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value])),
    IsString({ each: true, message: 'errors.one_value' }),
    ArrayMaxSize(max),
  );
