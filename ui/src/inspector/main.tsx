import { render } from 'preact';

import '../styles.css';
import { InspectorApp } from './App';

render(<InspectorApp />, document.getElementById('app')!);
