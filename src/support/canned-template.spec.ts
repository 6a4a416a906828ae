import { cannedTemplateProblems, renderCanned } from './canned-template';

describe('canned reply templates', () => {
  it('accepts the known variables, with or without spaces', () => {
    expect(cannedTemplateProblems('Hello {{name}}, about {{ product }} (#{{ticket}})')).toEqual([]);
  });

  it('names unknown variables and stray braces', () => {
    expect(cannedTemplateProblems('Hi {{first_name}} {{ name }} {{x}}')).toEqual(['{{first_name}}', '{{x}}']);
    expect(cannedTemplateProblems('Hi {{name')).toEqual(['{{']);
    expect(cannedTemplateProblems('oops }}')).toEqual(['{{']);
  });

  it('fills values in as text', () => {
    expect(renderCanned('Hi {{ name }}, #{{ticket}} {{product}}', { name: '<b>Ann</b>', ticket: '12', product: 'Course' })).toBe('Hi <b>Ann</b>, #12 Course');
  });
});
