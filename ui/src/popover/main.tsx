import { render } from 'preact';

import '../styles.css';
import { PopoverApp } from './App';

render(<PopoverApp />, document.getElementById('app')!);
