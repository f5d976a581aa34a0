import { describe, expect, it } from 'vitest';
import { escapeHtml, formatDueDate, renderTemplate, type CannedValues } from '../../src/modules/canned/canned.template';

const values: CannedValues = {
  'ticket.number': '123456',
  'ticket.subject': `<b>"Bold" & 'quoted'</b>`,
  'ticket.status': 'Open',
  'ticket.priority': 'Normal',
  'ticket.dept': 'Support',
  'ticket.due_date': '',
  'ticket.assigned': '',
  'recipient.name': 'Owen',
  'recipient.email': 'owen@customer.test',
  'staff.name': 'Fiona',
};

describe('canned response templates', () => {
  it('formats due dates in UTC, minutes precision, and nothing for none', () => {
    expect(formatDueDate(new Date('2030-12-31T23:59:59.999Z'))).toBe('2030-12-31 23:59 UTC');
    expect(formatDueDate(new Date('2030-01-02T03:04:00+02:00'))).toBe('2030-01-02 01:04 UTC');
    expect(formatDueDate(null)).toBe('');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('renders empty values as nothing and keeps the result sanitized', () => {
    expect(renderTemplate('<p>[%{ticket.assigned}] [%{ticket.due_date}] %{ticket.subject}</p>', values)).toEqual({
      html: `<p>[] [] &lt;b&gt;"Bold" &amp; 'quoted'&lt;/b&gt;</p>`,
      unknownVariables: [],
    });
    // the same variable twice, and one next to another
    expect(renderTemplate('<p>%{staff.name}%{staff.name}%{ticket.number}</p>', values).html).toBe('<p>FionaFiona123456</p>');
  });
});
